import Kernel
import NotificationsAPI
import Storage

/// One message of the development mailbox.
struct GetMailboxMessageUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ id: MessageID) async throws -> MailboxMessage? {
        try await platform.platform("read dev mailbox") { tx in try await MailboxRows.find(id, in: tx) }
    }
}
