import AccountsAPI
import Kernel
import Storage

/// Notifications' reactions to Accounts' events: each becomes one email to the person it is
/// about. The subscriber names (`notifications.welcome`, …) key the inbox, so renaming one
/// would deliver its events again.
struct AccountEmailSubscriptions {
    let queue: QueueEmailStep
    let links: Links

    func register(into subscriptions: inout EventSubscriptions) {
        let (queue, links) = (self.queue, self.links)
        subscriptions.subscribe(TenantSignedUp.self, as: "notifications.welcome") { event, tx in
            try await queue(WelcomeEmail(event, links: links), to: event.ownerEmail, in: tx)
        }
        subscriptions.subscribe(EmailVerificationRequested.self, as: "notifications.verify-email") { event, tx in
            try await queue(VerifyEmail(event, links: links), to: event.email, secret: try tx.openEmailed(event.token, to: event.email), in: tx)
        }
        subscriptions.subscribe(PasswordResetRequested.self, as: "notifications.password-reset") { event, tx in
            try await queue(PasswordResetEmail(event, links: links), to: event.email, secret: try tx.openEmailed(event.token, to: event.email),
                            in: tx)
        }
        subscriptions.subscribe(InvitationCreated.self, as: "notifications.invitation") { event, tx in
            try await queue(InvitationEmail(event, links: links), to: event.email, secret: try tx.openEmailed(event.token, to: event.email),
                            in: tx)
        }
        subscriptions.subscribe(PasswordChanged.self, as: "notifications.password-changed") { event, tx in
            try await queue(PasswordChangedEmail(event), to: event.email, in: tx)
        }
        subscriptions.subscribe(SignedInWithoutMFA.self, as: "notifications.new-sign-in") { event, tx in
            try await queue(NewSignInEmail(event), to: event.email, in: tx)
        }
        subscriptions.subscribe(SignedInWithRecoveryCode.self, as: "notifications.recovery-code-sign-in") { event, tx in
            try await queue(RecoveryCodeSignInEmail(event), to: event.email, in: tx)
        }
        subscriptions.subscribe(EmailChangeRequested.self, as: "notifications.email-change-requested") { event, tx in
            try await queue(EmailChangeRequestedEmail(event), to: event.currentEmail, in: tx)
        }
        subscriptions.subscribe(TenantSuspendedByStaff.self, as: "notifications.tenant-suspended") { event, tx in
            for owner in event.owners {
                try await queue(TenantSuspendedEmail(event, to: owner), to: owner.email, in: tx)
            }
        }
        // The platform's own event, under `TenantID.platform`: its email is queued there too.
        subscriptions.subscribe(StaffInvited.self, as: "notifications.staff-invitation") { event, tx in
            try await queue(StaffInvitationEmail(event, links: links), to: event.email, secret: try tx.openEmailed(event.token, to: event.email),
                            in: tx)
        }
        subscriptions.subscribe(UserLockedByStaff.self, as: "notifications.user-locked") { event, tx in
            try await queue(UserLockedEmail(event), to: event.email, in: tx)
        }
    }
}

extension TenantTransaction {
    /// The token an Accounts event carries sealed (`EmailedToken`).
    func openEmailed(_ token: SealedSecret, to email: String) throws -> String {
        try open(token.sealed, purpose: EmailedToken.purpose, row: EmailedToken.row(email: email))
    }
}
