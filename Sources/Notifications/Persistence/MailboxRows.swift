import Foundation
import Kernel
import NotificationsAPI
import Storage

/// SQL for `notifications.mailbox`, the development transport's store, read on the platform
/// path (an operator's view across tenants).
enum MailboxRows {
    /// Stores a "sent" message, once per message id: a repeated send stores nothing twice.
    static func deliver(_ mail: OutgoingMail, in tx: PlatformTransaction) async throws {
        try await tx.execute("""
            insert into notifications.mailbox (tenant_id, message_id, recipient, subject, mime, text_body, html_body)
            values (\(mail.tenantID), \(mail.id), \(mail.recipient), \(mail.subject), \(mail.mime()), \(mail.text), \(mail.html))
            on conflict do nothing
            """)
    }

    /// Newest first, optionally to one recipient.
    static func list(limit: Int, recipient: String?, in tx: PlatformTransaction) async throws -> [MailboxMessage] {
        try await tx.query("""
            select * from notifications.mailbox
             where \(recipient)::text is null or lower(recipient) = lower(\(recipient))
             order by delivered_at desc, message_id desc limit \(max(1, min(limit, 1000)))
            """).map(decode)
    }

    static func find(_ id: MessageID, in tx: PlatformTransaction) async throws -> MailboxMessage? {
        try await tx.query("select * from notifications.mailbox where message_id = \(id)").first.map(decode)
    }

    static func decode(_ row: Row) throws -> MailboxMessage {
        MailboxMessage(id: try row.decode("message_id"), tenantID: try row.decode("tenant_id"),
                       recipient: try row.decode("recipient"), subject: try row.decode("subject"),
                       mime: try row.decode("mime"), text: try row.decode("text_body"), html: try row.decode("html_body"),
                       deliveredAt: try row.decode("delivered_at"))
    }
}
