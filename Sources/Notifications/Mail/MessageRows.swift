import Foundation
import Kernel
import NotificationsAPI
import Storage

/// SQL for `notifications.messages`, the mail queue and delivery log.
enum MessageRows {
    /// Queues a rendered email in the subscriber's transaction (so it exists exactly when the
    /// event's inbox record does).
    static func insert(kind: String, recipient: String, senderName: String, subject: String, text: String, html: String,
                       in tx: TenantTransaction) async throws -> MessageID {
        let id = MessageID.generate()
        try await tx.execute("""
            with queued as (
                insert into notifications.messages (tenant_id, message_id, kind, recipient, sender_name, subject, text_body, html_body)
                values (\(tx.tenantID), \(id), \(kind), \(recipient), \(senderName), \(subject), \(text), \(html))
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

        init(_ row: Row) throws {
            id = try row.decode("message_id")
            tenantID = try row.decode("tenant_id")
            recipient = try row.decode("recipient")
            senderName = try row.decode("sender_name")
            subject = try row.decode("subject")
            text = try row.decode("text_body")
            html = try row.decode("html_body")
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
                 status: Delivery.Status(rawValue: try row.decode("status")) ?? .queued,
                 attempts: try row.decode("attempts"), lastError: try row.decode("last_error"),
                 transport: try row.decode("transport"), createdAt: try row.decode("created_at"),
                 sentAt: try row.decode("sent_at"))
    }

    static func mailbox(_ row: Row) throws -> MailboxMessage {
        MailboxMessage(id: try row.decode("message_id"), tenantID: try row.decode("tenant_id"),
                       recipient: try row.decode("recipient"), subject: try row.decode("subject"),
                       mime: try row.decode("mime"), text: try row.decode("text_body"), html: try row.decode("html_body"),
                       deliveredAt: try row.decode("delivered_at"))
    }
}
