public import Foundation
public import Kernel

// Integration events Accounts publishes for the people it emails. Each carries what the
// email needs (the tenant's name, the person's name and address) so that Notifications never
// calls back into Accounts. The ones with a `token` carry a single-use secret sealed under
// the key ring (`EmailedToken`), so the outbox row holds ciphertext; Notifications opens it,
// queues the email with a placeholder where the token goes and the token sealed beside it, and
// clears it once the email is sent (docs/security.md). Accounts itself keeps only its hash.

/// How the single-use token in an account email is sealed in its event: bound to the tenant
/// and to the address the email goes to.
public enum EmailedToken {
    public static let purpose = "accounts.emailed_token"

    public static func row(email: String) -> String { email.lowercased() }
}

/// A person should prove they own `email`: after signup, on request, or for a new address.
public struct EmailVerificationRequested: IntegrationEvent, Equatable {
    public static let eventType = "accounts.email_verification_requested.v1"
    public enum Reason: String, Codable, Sendable { case signUp = "sign_up", resend, emailChange = "email_change" }
    public let tenantID: TenantID
    public let tenantName: String
    public let userID: UserID
    public let name: String
    public let email: String
    public let token: SealedSecret
    public let expiresAt: Date
    public let reason: Reason

    public init(tenantID: TenantID, tenantName: String, userID: UserID, name: String, email: String, token: SealedSecret,
                expiresAt: Date, reason: Reason) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.userID = userID
        self.name = name
        self.email = email
        self.token = token
        self.expiresAt = expiresAt
        self.reason = reason
    }
}

/// Someone asked to reset the password of an existing, active account.
public struct PasswordResetRequested: IntegrationEvent, Equatable {
    public static let eventType = "accounts.password_reset_requested.v1"
    public let tenantID: TenantID
    public let tenantName: String
    public let userID: UserID
    public let name: String
    public let email: String
    public let token: SealedSecret
    public let expiresAt: Date

    public init(tenantID: TenantID, tenantName: String, userID: UserID, name: String, email: String, token: SealedSecret,
                expiresAt: Date) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.userID = userID
        self.name = name
        self.email = email
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// An admin invited `email` to join the tenant with `role`.
public struct InvitationCreated: IntegrationEvent, Equatable {
    public static let eventType = "accounts.invitation_created.v1"
    public let tenantID: TenantID
    public let tenantName: String
    public let invitationID: InvitationID
    public let email: String
    public let role: Role
    public let inviterName: String
    public let token: SealedSecret
    public let expiresAt: Date
    /// The invitation as the API shows it (absent from events stored before it was added): a
    /// webhook's `data`. The token is never in it.
    public let invitation: Invitation?

    public init(tenantID: TenantID, tenantName: String, invitationID: InvitationID, email: String, role: Role,
                inviterName: String, token: SealedSecret, expiresAt: Date, invitation: Invitation? = nil) {
        self.invitation = invitation
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.invitationID = invitationID
        self.email = email
        self.role = role
        self.inviterName = inviterName
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// A password was changed by its owner or reset with an emailed token (a security notice).
public struct PasswordChanged: IntegrationEvent, Equatable {
    public static let eventType = "accounts.password_changed.v1"
    public let tenantID: TenantID
    public let tenantName: String
    public let userID: UserID
    public let name: String
    public let email: String
    public let changedAt: Date
    public let wasReset: Bool

    public init(tenantID: TenantID, tenantName: String, userID: UserID, name: String, email: String, changedAt: Date,
                wasReset: Bool) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.userID = userID
        self.name = name
        self.email = email
        self.changedAt = changedAt
        self.wasReset = wasReset
    }
}

/// A person without MFA signed in with a password alone (a security notice).
public struct SignedInWithoutMFA: IntegrationEvent, Equatable {
    public static let eventType = "accounts.signed_in_without_mfa.v1"
    public let tenantID: TenantID
    public let tenantName: String
    public let userID: UserID
    public let name: String
    public let email: String
    public let signedInAt: Date
    public let ipAddress: String
    public let userAgent: String?

    public init(tenantID: TenantID, tenantName: String, userID: UserID, name: String, email: String, signedInAt: Date,
                ipAddress: String, userAgent: String?) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.userID = userID
        self.name = name
        self.email = email
        self.signedInAt = signedInAt
        self.ipAddress = ipAddress
        self.userAgent = userAgent
    }
}

/// Someone signed in with a recovery code instead of an authenticator code (a security notice:
/// if it was not the person, their second factor is in someone else's hands).
public struct SignedInWithRecoveryCode: IntegrationEvent, Equatable {
    public static let eventType = "accounts.signed_in_with_recovery_code.v1"
    public let tenantID: TenantID
    public let tenantName: String
    public let userID: UserID
    public let name: String
    public let email: String
    public let signedInAt: Date
    public let ipAddress: String
    public let userAgent: String?
    /// Recovery codes not yet used, after this one.
    public let codesLeft: Int

    public init(tenantID: TenantID, tenantName: String, userID: UserID, name: String, email: String, signedInAt: Date,
                ipAddress: String, userAgent: String?, codesLeft: Int) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.userID = userID
        self.name = name
        self.email = email
        self.signedInAt = signedInAt
        self.ipAddress = ipAddress
        self.userAgent = userAgent
        self.codesLeft = codesLeft
    }
}

/// Someone signed in as the person asked to move their account to another address (a security
/// notice to the address in use, which can still stop it: the change waits for the link sent to
/// the new one).
public struct EmailChangeRequested: IntegrationEvent, Equatable {
    public static let eventType = "accounts.email_change_requested.v1"
    public let tenantID: TenantID
    public let tenantName: String
    public let userID: UserID
    public let name: String
    /// The address in use, which is told.
    public let currentEmail: String
    public let newEmail: String
    public let requestedAt: Date

    public init(tenantID: TenantID, tenantName: String, userID: UserID, name: String, currentEmail: String, newEmail: String,
                requestedAt: Date) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.userID = userID
        self.name = name
        self.currentEmail = currentEmail
        self.newEmail = newEmail
        self.requestedAt = requestedAt
    }
}

/// One invitation to join a tenant.
public struct InvitationID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// A person a notice goes to.
public struct NoticeRecipient: Codable, Sendable, Equatable {
    public let name: String
    public let email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }
}

/// Staff suspended the tenant: its owners are told, with the reason when the staff member chose
/// to share it (the reason itself is always in the audit log).
public struct TenantSuspendedByStaff: IntegrationEvent, Equatable {
    public static let eventType = "accounts.tenant_suspended_by_staff.v1"
    public let tenantID: TenantID
    public let tenantName: String
    /// The active owners when it was suspended.
    public let owners: [NoticeRecipient]
    public let sharedReason: String?
    public let suspendedAt: Date

    public init(tenantID: TenantID, tenantName: String, owners: [NoticeRecipient], sharedReason: String?, suspendedAt: Date) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.owners = owners
        self.sharedReason = sharedReason
        self.suspendedAt = suspendedAt
    }
}

/// Staff locked a person's account: they are told, with the reason when the staff member chose
/// to share it.
public struct UserLockedByStaff: IntegrationEvent, Equatable {
    public static let eventType = "accounts.user_locked_by_staff.v1"
    public let tenantID: TenantID
    public let tenantName: String
    public let userID: UserID
    public let name: String
    public let email: String
    public let sharedReason: String?
    public let lockedAt: Date

    public init(tenantID: TenantID, tenantName: String, userID: UserID, name: String, email: String, sharedReason: String?,
                lockedAt: Date) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.userID = userID
        self.name = name
        self.email = email
        self.sharedReason = sharedReason
        self.lockedAt = lockedAt
    }
}
