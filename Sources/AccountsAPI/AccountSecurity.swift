public import Foundation
public import Kernel

/// A TOTP secret being enrolled: shown once, confirmed with a code.
public struct TOTPEnrolment: Sendable, Equatable {
    /// The secret in base32, for typing into an authenticator app.
    public let secret: String
    /// The same as an `otpauth://totp/…` URI, for a QR code.
    public let uri: String
    /// Confirm before this, or start again.
    public let expiresAt: Date
    public init(secret: String, uri: String, expiresAt: Date) {
        self.secret = secret
        self.uri = uri
        self.expiresAt = expiresAt
    }
}

/// An email change waiting for the new address to be confirmed.
public struct PendingEmailChange: Sendable, Equatable {
    public let email: String
    public let expiresAt: Date
    public init(email: String, expiresAt: Date) {
        self.email = email
        self.expiresAt = expiresAt
    }
}

/// An invitation to join a tenant.
public struct Invitation: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable { case pending, accepted, revoked, expired }
    public let id: InvitationID
    public let email: String
    public let role: Role
    public let state: State
    public let expiresAt: Date
    public let createdAt: Date
    public let invitedBy: UserID
    public let acceptedAt: Date?
    public let revokedAt: Date?
    public init(id: InvitationID, email: String, role: Role, state: State, expiresAt: Date, createdAt: Date,
                invitedBy: UserID, acceptedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.email = email
        self.role = role
        self.state = state
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.invitedBy = invitedBy
        self.acceptedAt = acceptedAt
        self.revokedAt = revokedAt
    }
}

/// Input for `AccountsService.acceptInvitation`.
public struct AcceptInvitation: Sendable, Equatable {
    public var token: String
    public var name: String
    public var password: String
    public var requestID: String
    public init(token: String, name: String, password: String, requestID: String) {
        self.token = token
        self.name = name
        self.password = password
        self.requestID = requestID
    }
}

/// A machine credential. The secret itself is only in `NewAPIKey`, once.
public struct APIKey: Sendable, Equatable, Codable {
    public let id: APIKeyID
    public let name: String
    /// The key's first characters, to recognise it in a list or a log.
    public let prefix: String
    public let permissions: [Permission]
    public let createdBy: UserID
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?
    public init(id: APIKeyID, name: String, prefix: String, permissions: [Permission], createdBy: UserID, createdAt: Date,
                lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.permissions = permissions
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// A key just created: `key` is shown this once and stored only as a hash.
public struct NewAPIKey: Sendable, Equatable {
    public let apiKey: APIKey
    public let key: String
    public init(apiKey: APIKey, key: String) {
        self.apiKey = apiKey
        self.key = key
    }
}

extension AppError.Code {
    /// The action needs a verified email address (inviting people, creating API keys).
    public static let emailUnverified = Self("email_unverified", kind: .forbidden)
    public static let alreadyVerified = Self("already_verified", kind: .conflict)
    public static let emailTaken = Self("email_taken", kind: .conflict)
    /// A link's token is unknown, used or expired.
    public static let invalidToken = Self("invalid_token", kind: .invalidInput)
    public static let mfaAlreadyEnabled = Self("mfa_already_enabled", kind: .conflict)
    public static let mfaNotEnabled = Self("mfa_not_enabled", kind: .conflict)
    public static let mfaRequiredByTenant = Self("mfa_required_by_tenant", kind: .conflict)
    public static let invitationNotFound = Self("invitation_not_found", kind: .notFound)
    public static let invitationAccepted = Self("invitation_accepted", kind: .conflict)
    public static let alreadyMember = Self("already_member", kind: .conflict)
    /// Every seat the plan (and any extra seats bought) allows is taken.
    public static let seatLimitReached = Self("seat_limit_reached", kind: .conflict)
    public static let apiKeyNotFound = Self("api_key_not_found", kind: .notFound)
}
