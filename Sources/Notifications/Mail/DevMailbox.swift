import NotificationsAPI
public import Storage

/// The development transport: "sending" stores the message in `notifications.mailbox`, where
/// `keel mail list` (and later the staff console) shows it. Keyed by message id, so a retried
/// send after a crash stores nothing twice: delivery here is exactly once.
public struct DevMailbox: MailTransport {
    let platform: PlatformDatabase
    public let name = "dev-mailbox"

    public init(platform: PlatformDatabase) { self.platform = platform }

    public func send(_ mail: OutgoingMail) async throws {
        try await platform.platform("dev mailbox deliver") { tx in
            try await tx.execute("""
                insert into notifications.mailbox (tenant_id, message_id, recipient, subject, mime, text_body, html_body)
                values (\(mail.tenantID), \(mail.id), \(mail.recipient), \(mail.subject), \(mail.mime()), \(mail.text), \(mail.html))
                on conflict do nothing
                """)
        }
    }
}
