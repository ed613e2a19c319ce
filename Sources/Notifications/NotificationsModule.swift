public import AccountsAPI
public import Kernel
public import NotificationsAPI
public import Storage
public import TemplateEngine

/// The implementation of `NotificationsService`, and the subscriber that turns other modules'
/// events into emails.
///
/// Notifications never hears from Accounts directly: it subscribes to Accounts' integration
/// events through the outbox. Each subscriber renders the email from `Templates/email/` and
/// queues it in `notifications.messages` within the delivery's transaction, so an event
/// yields its email exactly once; `MailSender` then delivers the queue.
public struct NotificationsModule: NotificationsService {
    let platform: PlatformDatabase
    let templates: @Sendable () -> TemplateLibrary
    let links: Links

    public init(platform: PlatformDatabase, templates: @escaping @Sendable () -> TemplateLibrary, links: Links) {
        self.platform = platform
        self.templates = templates
        self.links = links
    }

    /// Registers the email subscribers.
    public func subscribe(into subscriptions: inout EventSubscriptions) {
        let links = self.links
        subscriptions.subscribe(TenantSignedUp.self, as: "notifications.welcome") { event, tx in
            try await queue(WelcomeEmail(event, links: links), to: event.ownerEmail, in: tx)
        }
        subscriptions.subscribe(EmailVerificationRequested.self, as: "notifications.verify-email") { event, tx in
            try await queue(VerifyEmail(event, links: links), to: event.email, in: tx)
        }
        subscriptions.subscribe(PasswordResetRequested.self, as: "notifications.password-reset") { event, tx in
            try await queue(PasswordResetEmail(event, links: links), to: event.email, in: tx)
        }
        subscriptions.subscribe(InvitationCreated.self, as: "notifications.invitation") { event, tx in
            try await queue(InvitationEmail(event, links: links), to: event.email, in: tx)
        }
        subscriptions.subscribe(PasswordChanged.self, as: "notifications.password-changed") { event, tx in
            try await queue(PasswordChangedEmail(event), to: event.email, in: tx)
        }
        subscriptions.subscribe(SignedInWithoutMFA.self, as: "notifications.new-sign-in") { event, tx in
            try await queue(NewSignInEmail(event), to: event.email, in: tx)
        }
    }

    /// Renders both parts and queues the message. A template that fails to render fails the
    /// delivery, which the dispatcher retries and finally dead-letters: visible, not lost.
    func queue<Model: EmailModel>(_ model: Model, to recipient: String, in tx: TenantTransaction) async throws {
        let library = templates()
        let text = try library.render("email/\(Model.kind).txt", model)
        let html = try library.render("email/\(Model.kind).html", model)
        _ = try await MessageRows.insert(kind: Model.kind, recipient: recipient, senderName: model.tenantName,
                                         subject: model.subject, text: text, html: html, in: tx)
    }

    // MARK: - NotificationsService

    public func mailbox(limit: Int, recipient: String?) async throws -> [MailboxMessage] {
        try await platform.platform("read dev mailbox") { tx in
            try await tx.query("""
                select * from notifications.mailbox
                 where \(recipient)::text is null or lower(recipient) = lower(\(recipient))
                 order by delivered_at desc, message_id desc limit \(max(1, min(limit, 1000)))
                """).map(MessageRows.mailbox)
        }
    }

    public func mailboxMessage(_ id: MessageID) async throws -> MailboxMessage? {
        try await platform.platform("read dev mailbox") { tx in
            try await tx.query("select * from notifications.mailbox where message_id = \(id)").first.map(MessageRows.mailbox)
        }
    }

    public func deliveries(limit: Int, status: Delivery.Status?) async throws -> [Delivery] {
        try await platform.platform("read delivery log") { tx in
            try await tx.query("""
                select \(MessageRows.deliveryColumns) from notifications.messages
                 where \(status?.rawValue)::text is null or status = \(status?.rawValue)
                 order by created_at desc, message_id desc limit \(max(1, min(limit, 1000)))
                """).map(MessageRows.delivery)
        }
    }

    @discardableResult
    public func retry(_ id: MessageID) async throws -> TenantID {
        let found = try await platform.platform("retry mail") { tx in
            try await tx.query("""
                update notifications.messages set status = 'queued', attempts = 0, available_at = now()
                 where message_id = \(id) and status = 'failed' returning tenant_id
                """)
        }
        guard let row = found.first else { throw AppError(.messageNotFound, "There is no failed message with that id.") }
        return try row.decode("tenant_id")
    }
}
