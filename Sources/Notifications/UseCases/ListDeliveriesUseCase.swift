import Kernel
import NotificationsAPI
import Storage

/// The delivery log, newest first: every queued, sent and failed message.
struct ListDeliveriesUseCase {
    let platform: PlatformDatabase

    func callAsFunction(limit: Int, status: Delivery.Status?, recipient: String?) async throws -> [Delivery] {
        try await platform.platform("read delivery log") { tx in
            try await MessageRows.deliveries(limit: limit, status: status, recipient: recipient, in: tx)
        }
    }
}
