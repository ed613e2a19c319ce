import Foundation
import Kernel
import NotificationsAPI
import Storage

/// SQL for `notifications.messages`, the mail queue and delivery log. Record-keeping and the
/// queue's leases run on PostgreSQL's clock (`now()`), like the outbox's: they are operational
/// timing, not business decisions.
enum MessageRows {
    /// Queues a rendered email in the subscriber's transaction (so it exists exactly when the
    /// event's inbox record does).
    static func insert(kind: String, recipient: String, senderName: String, subject: String, text: String, html: String,
                       about: String? = nil, secret: String? = nil, in tx: TenantTransaction) async throws -> MessageID {
        let id = MessageID.generate()
        let sealed = try secret.map { try tx.seal(Array($0.utf8), purpose: MessageSecret.purpose, row: id.description) }
        try await tx.execute("""
            with queued as (
                insert into notifications.messages (tenant_id, message_id, kind, recipient, sender_name, subject, text_body, html_body,
                                                    about, trace_context, secret)
                values (\(tx.tenantID), \(id), \(kind), \(recipient), \(senderName), \(subject), \(text), \(html), \(about),
                        \(Traces.traceContext()), \(sealed))
                returning message_id)
            select pg_notify(\(MailSender.channel), '') from queued
            """)
        return id
    }

    /// A message the sender has claimed.
    struct Claimed: Sendable {
        let id: MessageID
        let tenantID: TenantID
        let recipient: String
        let senderName: String
        let subject: String
        let text: String
        let html: String
        let attempts: Int
        let createdAt: Date
        let kind: String
        /// What it is about, when another module owns it.
        let about: String?
        /// The trace it was queued in, when traced.
        let traceContext: String?
        /// Why the body cannot be sent, when its sealed token does not open.
        let unsendable: String?

        /// With the sealed token (if any) opened and put in place of its placeholder.
        init(_ row: Row, in tx: PlatformTransaction) throws {
            traceContext = try row.decode("trace_context")
            kind = try row.decode("kind")
            about = try row.decode("about")
            id = try row.decode("message_id")
            tenantID = try row.decode("tenant_id")
            recipient = try row.decode("recipient")
            senderName = try row.decode("sender_name")
            subject = try row.decode("subject")
            var (text, html): (String, String) = (try row.decode("text_body"), try row.decode("html_body"))
            var unsendable: String?
            if let sealed: String = try row.decode("secret") {
                do {
                    let token = try tx.open(sealed, tenant: tenantID, purpose: MessageSecret.purpose, row: id.description)
                    text = text.replacingOccurrences(of: MessageSecret.placeholder, with: token)
                    html = html.replacingOccurrences(of: MessageSecret.placeholder, with: token)
                } catch {
                    unsendable = "Its single-use token does not open with KEEL_ENCRYPTION_KEYS (its key left the ring?)."
                }
            }
            (self.text, self.html, self.unsendable) = (text, html, unsendable)
            attempts = try row.decode("attempts")
            createdAt = try row.decode("created_at")
        }
    }

    static let deliveryColumns: SQL = """
        message_id, tenant_id, kind, recipient, subject, status, attempts, last_error, transport, created_at, sent_at
        """

    static func delivery(_ row: Row) throws -> Delivery {
        Delivery(id: try row.decode("message_id"), tenantID: try row.decode("tenant_id"), kind: try row.decode("kind"),
                 recipient: try row.decode("recipient"), subject: try row.decode("subject"),
                 status: try row.decode("status", as: Delivery.Status.self),
                 attempts: try row.decode("attempts"), lastError: try row.decode("last_error"),
                 transport: try row.decode("transport"), createdAt: try row.decode("created_at"),
                 sentAt: try row.decode("sent_at"))
    }

    /// The delivery log, newest first, optionally of one status and to addresses containing
    /// `recipient` (any case; `%` and `_` match themselves).
    static func deliveries(limit: Int, status: Delivery.Status?, recipient: String?, in tx: PlatformTransaction) async throws -> [Delivery] {
        let pattern = recipient.map(SQL.likePattern(containing:))
        return try await tx.query("""
            select \(deliveryColumns) from notifications.messages
             where (\(status?.rawValue)::text is null or status = \(status?.rawValue))
               and (\(pattern)::text is null or recipient ilike \(pattern))
             order by created_at desc, message_id desc limit \(max(1, min(limit, 1000)))
            """).map(delivery)
    }

    /// Queues a failed message again with a fresh attempt budget; its tenant, or `nil` when
    /// there is no failed message with that id.
    static func requeueFailed(_ id: MessageID, in tx: PlatformTransaction) async throws -> TenantID? {
        try await tx.query("""
            update notifications.messages set status = 'queued', attempts = 0, available_at = now()
             where message_id = \(id) and status = 'failed' returning tenant_id
            """).first?.decode("tenant_id")
    }

    // MARK: The sender's bookkeeping (`MailSender`)

    /// Marks failed what was claimed `maxAttempts` times without an outcome (the sender stopped
    /// while sending), then claims up to `limit` due messages: each is hidden for `lease` and
    /// its attempt counted, in this one short transaction.
    static func claim(limit: Int, maxAttempts: Int, leaseSeconds: Double, in tx: PlatformTransaction) async throws -> [Claimed] {
        let reason = "no outcome recorded after \(maxAttempts) attempts (the sender stopped while sending it)"
        try await tx.execute("""
            update notifications.messages set status = 'failed', last_error = coalesce(last_error, \(reason))
             where status = 'queued' and available_at <= now() and attempts >= \(maxAttempts)
            """)
        return try await tx.query("""
            update notifications.messages m
               set available_at = now() + make_interval(secs => \(leaseSeconds)), attempts = m.attempts + 1
             where (m.tenant_id, m.message_id) in (
                   select tenant_id, message_id from notifications.messages
                    where status = 'queued' and available_at <= now() and attempts < \(maxAttempts)
                    order by available_at, message_id
                    limit \(limit)
                    for update skip locked)
            returning m.message_id, m.tenant_id, m.recipient, m.sender_name, m.subject, m.text_body, m.html_body,
                      m.attempts, m.created_at, m.kind, m.about, m.trace_context, m.secret
            """).map { try Claimed($0, in: tx) }
    }

    /// Deletes messages (and the development mailbox's copies) older than `retentionSeconds`,
    /// and clears the sealed tokens of unsent ones older than `tokenSeconds` (no token lives
    /// longer). On PostgreSQL's clock, like the rest of the queue's record-keeping. Returns how
    /// many messages were deleted.
    static func purge(retentionSeconds: Double, tokenSeconds: Double, in tx: PlatformTransaction) async throws -> Int {
        try await tx.execute("""
            update notifications.messages set secret = null
             where secret is not null and created_at < now() - make_interval(secs => \(tokenSeconds))
            """)
        try await tx.execute("delete from notifications.mailbox where delivered_at < now() - make_interval(secs => \(retentionSeconds))")
        return try await tx.query("""
            delete from notifications.messages
             where created_at < now() - make_interval(secs => \(retentionSeconds)) and status <> 'queued' returning 1
            """).count
    }

    /// What became of a claimed message. Each update applies only to the claim it answers
    /// (same attempt, still queued), so a stale sender cannot overwrite a newer outcome.
    enum Outcome {
        case sent
        case retry(afterSeconds: Double, reason: String)
        case failed(reason: String)
    }

    /// Whether the outcome was recorded (false: a newer claim owns the message now).
    @discardableResult
    static func record(_ message: Claimed, _ outcome: Outcome, transport: String, in tx: some SQLTransaction) async throws -> Bool {
        let ours: SQL = """
            tenant_id = \(message.tenantID) and message_id = \(message.id) and status = 'queued' and attempts = \(message.attempts)
            """
        let sql: SQL
        switch outcome {
        case .sent:
            sql = """
                update notifications.messages
                   set status = 'sent', sent_at = now(), transport = \(transport), last_error = null, secret = null
                 where \(ours)
                """
        case .retry(let seconds, let reason):
            sql = """
                update notifications.messages
                   set available_at = now() + make_interval(secs => \(seconds)),
                       last_error = \(String(reason.prefix(2000))), transport = \(transport)
                 where \(ours)
                """
        case .failed(let reason):
            sql = """
                update notifications.messages
                   set status = 'failed', last_error = \(String(reason.prefix(2000))), transport = \(transport)
                 where \(ours)
                """
        }
        return try await !tx.query(sql + " returning 1").isEmpty
    }
}
