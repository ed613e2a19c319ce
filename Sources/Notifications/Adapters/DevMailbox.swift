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
        try await platform.platform("dev mailbox deliver") { tx in try await MailboxRows.deliver(mail, in: tx) }
    }
}
