public import Foundation

/// The authenticated caller of one request: who, in which tenant, with which role, and the
/// request id their audit entries carry. The HTTP edge makes it from a session; modules take
/// the tenant from here, never from a header or a body.
public struct Principal: Sendable, Equatable {
    public let tenantID: TenantID
    public let userID: UserID
    public let sessionID: SessionID
    public let role: Role
    public let requestID: String

    public init(tenantID: TenantID, userID: UserID, sessionID: SessionID, role: Role, requestID: String) {
        self.tenantID = tenantID
        self.userID = userID
        self.sessionID = sessionID
        self.role = role
        self.requestID = requestID
    }

    public func can(_ permission: Permission) -> Bool { role.can(permission) }

    /// Throws `.forbidden` unless the caller's role has `permission`.
    public func require(_ permission: Permission) throws {
        guard can(permission) else {
            throw AppError(.forbidden, "Your role (\(role.rawValue)) does not allow this (\(permission.rawValue)).")
        }
    }
}

/// A person's account within one tenant.
public struct UserID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// One login.
public struct SessionID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

extension AppError.Code {
    public static let forbidden = Self("forbidden", kind: .forbidden)
    public static let unauthenticated = Self("unauthenticated", kind: .unauthenticated)
}
