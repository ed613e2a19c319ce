import AccountsAPI
import Foundation
import Kernel

// The emails Notifications sends, one model per template pair in Templates/email/ (`<kind>.txt`
// and `<kind>.html`, both extending the shared layout). Every model carries the tenant's name:
// the email reads as the tenant's, and its From display name is that name.

/// What every email's layout needs.
protocol EmailModel: Encodable, Sendable {
    /// The template pair, and the kind recorded in the delivery log.
    static var kind: String { get }
    var tenantName: String { get }
    var subject: String { get }
    /// What the email is about when another module owns it (`order/<id>`): that module hears
    /// when it is sent (`EmailSent`).
    var about: String? { get }
}

extension EmailModel {
    var about: String? { nil }
}

/// Where an email's single-use token goes. The queued body holds this placeholder and the
/// token is sealed beside it (`MessageRows`); the sender puts it in at sending and clears it
/// once sent, so no stored body ever holds a token. Letters, digits and dashes only: it passes
/// through URL and HTML escaping unchanged.
enum MessageSecret {
    static let placeholder = "KEEL-TOKEN-SEALED-7f3a9c"
    /// What the sealed token is bound to (with the tenant and the message id).
    static let purpose = "notifications.message.secret"
}

struct WelcomeEmail: EmailModel {
    static let kind = "welcome"
    let tenantName: String
    let recipientName: String
    let slug: String
    let signInURL: String
    let subject: String

    init(_ event: TenantSignedUp, links: Links) {
        tenantName = event.name
        recipientName = event.ownerName
        slug = event.slug
        signInURL = links.url("sign-in", ["tenant": event.slug])
        subject = "Welcome to \(tenantName)"
    }
}

struct VerifyEmail: EmailModel {
    static let kind = "verify_email"
    let tenantName: String
    let recipientName: String
    let isChange: Bool
    let token: String
    let actionURL: String
    let expiresAt: Date
    let subject: String

    init(_ event: EmailVerificationRequested, links: Links) {
        tenantName = event.tenantName
        recipientName = event.name
        isChange = event.reason == .emailChange
        token = MessageSecret.placeholder
        actionURL = links.url("verify-email", ["token": MessageSecret.placeholder])
        expiresAt = event.expiresAt
        subject = "Confirm your email address for \(tenantName)"
    }
}

struct PasswordResetEmail: EmailModel {
    static let kind = "password_reset"
    let tenantName: String
    let recipientName: String
    let token: String
    let actionURL: String
    let expiresAt: Date
    let subject: String

    init(_ event: PasswordResetRequested, links: Links) {
        tenantName = event.tenantName
        recipientName = event.name
        token = MessageSecret.placeholder
        actionURL = links.url("reset-password", ["token": MessageSecret.placeholder])
        expiresAt = event.expiresAt
        subject = "Reset your \(tenantName) password"
    }
}

struct InvitationEmail: EmailModel {
    static let kind = "invitation"
    let tenantName: String
    let inviterName: String
    let role: String
    let token: String
    let actionURL: String
    let expiresAt: Date
    let subject: String

    init(_ event: InvitationCreated, links: Links) {
        tenantName = event.tenantName
        inviterName = event.inviterName
        role = event.role.rawValue
        token = MessageSecret.placeholder
        actionURL = links.url("accept-invitation", ["token": MessageSecret.placeholder])
        expiresAt = event.expiresAt
        subject = "\(inviterName) invited you to \(tenantName)"
    }
}

struct PasswordChangedEmail: EmailModel {
    static let kind = "password_changed"
    let tenantName: String
    let recipientName: String
    let changedAt: Date
    let wasReset: Bool
    let subject: String

    init(_ event: PasswordChanged) {
        tenantName = event.tenantName
        recipientName = event.name
        changedAt = event.changedAt
        wasReset = event.wasReset
        subject = "Your \(tenantName) password was changed"
    }
}

struct NewSignInEmail: EmailModel {
    static let kind = "new_sign_in"
    let tenantName: String
    let recipientName: String
    let signedInAt: Date
    let ipAddress: String
    let userAgent: String
    let subject: String

    init(_ event: SignedInWithoutMFA) {
        tenantName = event.tenantName
        recipientName = event.name
        signedInAt = event.signedInAt
        ipAddress = event.ipAddress
        userAgent = event.userAgent ?? "unknown"
        subject = "New sign-in to your \(tenantName) account"
    }
}

struct RecoveryCodeSignInEmail: EmailModel {
    static let kind = "recovery_code_sign_in"
    let tenantName: String
    let recipientName: String
    let signedInAt: Date
    let ipAddress: String
    let userAgent: String
    let codesLeft: Int
    let subject: String

    init(_ event: SignedInWithRecoveryCode) {
        tenantName = event.tenantName
        recipientName = event.name
        signedInAt = event.signedInAt
        ipAddress = event.ipAddress
        userAgent = event.userAgent ?? "unknown"
        codesLeft = event.codesLeft
        subject = "A recovery code was used to sign in to your \(tenantName) account"
    }
}

struct EmailChangeRequestedEmail: EmailModel {
    static let kind = "email_change_requested"
    let tenantName: String
    let recipientName: String
    let newEmail: String
    let requestedAt: Date
    let subject: String

    init(_ event: EmailChangeRequested) {
        tenantName = event.tenantName
        recipientName = event.name
        newEmail = event.newEmail
        requestedAt = event.requestedAt
        subject = "Your \(tenantName) account's email is being changed"
    }
}

struct TenantSuspendedEmail: EmailModel {
    static let kind = "tenant_suspended"
    let tenantName: String
    let recipientName: String
    let reason: String?
    let suspendedAt: Date
    let subject: String

    init(_ event: TenantSuspendedByStaff, to owner: NoticeRecipient) {
        tenantName = event.tenantName
        recipientName = owner.name
        reason = event.sharedReason
        suspendedAt = event.suspendedAt
        subject = "\(tenantName) has been suspended"
    }
}

struct UserLockedEmail: EmailModel {
    static let kind = "user_locked"
    let tenantName: String
    let recipientName: String
    let reason: String?
    let lockedAt: Date
    let subject: String

    init(_ event: UserLockedByStaff) {
        tenantName = event.tenantName
        recipientName = event.name
        reason = event.sharedReason
        lockedAt = event.lockedAt
        subject = "Your \(tenantName) account has been locked"
    }
}

/// The platform's own email: from "Keel", not from a tenant.
struct StaffInvitationEmail: EmailModel {
    static let kind = "staff_invitation"
    let tenantName = "Keel"
    let recipientName: String
    let inviterName: String
    let role: String
    let actionURL: String
    let expiresAt: Date
    let subject: String

    init(_ event: StaffInvited, links: Links) {
        recipientName = event.name
        inviterName = event.inviterName
        role = event.role.rawValue
        actionURL = links.url("admin/invitation", ["token": MessageSecret.placeholder])
        expiresAt = event.expiresAt
        subject = "\(event.inviterName) invited you to the Keel staff console"
    }
}
