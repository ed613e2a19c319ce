public import Foundation
public import Kernel

/// A person's account within one tenant.
public struct User: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable { case active, deactivated }

    public let id: UserID
    public let tenantID: TenantID
    public let email: String
    public let name: String
    public let role: Role
    public let status: Status
    /// Bumped on every change; the HTTP edge sends it as the ETag.
    public let version: Int
    public let createdAt: Date
    /// When the person last proved they own `email`; `nil` until then.
    public let emailVerifiedAt: Date?
    /// Sign-in asks for a TOTP code after the password.
    public let mfaEnabled: Bool
    /// Set while support has locked the account: it cannot sign in, whatever its status.
    public let lockedAt: Date?
    public let lockReason: String?

    public init(id: UserID, tenantID: TenantID, email: String, name: String, role: Role, status: Status,
                version: Int, createdAt: Date, emailVerifiedAt: Date? = nil, mfaEnabled: Bool = false,
                lockedAt: Date? = nil, lockReason: String? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.name = name
        self.role = role
        self.status = status
        self.version = version
        self.createdAt = createdAt
        self.emailVerifiedAt = emailVerifiedAt
        self.mfaEnabled = mfaEnabled
        self.lockedAt = lockedAt
        self.lockReason = lockReason
    }

    public var emailVerified: Bool { emailVerifiedAt != nil }
}

/// A change to a user: a new role, a new status, or both.
public struct UserChange: Sendable, Equatable {
    public var role: Role?
    public var status: User.Status?
    public init(role: Role? = nil, status: User.Status? = nil) {
        self.role = role
        self.status = status
    }
}

extension AppError.Code {
    public static let userNotFound = Self("user_not_found", kind: .notFound)
    /// The change would leave the tenant without an active owner.
    public static let lastOwner = Self("last_owner", kind: .conflict)
}
