import Kernel
import NotificationsAPI
import Storage

/// The development mailbox, newest first, across tenants (an operator's view).
struct ListMailboxUseCase {
    let platform: PlatformDatabase

    func callAsFunction(limit: Int, recipient: String?) async throws -> [MailboxMessage] {
        try await platform.platform("read dev mailbox") { tx in try await MailboxRows.list(limit: limit, recipient: recipient, in: tx) }
    }
}
