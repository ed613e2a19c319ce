import Kernel
import NotificationsAPI
import Storage

/// Queues a failed message again with a fresh attempt budget; returns its tenant, so the
/// console can audit a staff member's retry (`keel mail retry`, an operator's, is not audited).
struct RetryMessageUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ id: MessageID) async throws -> TenantID {
        guard let tenantID = try await platform.platform("retry mail", { tx in try await MessageRows.requeueFailed(id, in: tx) }) else {
            throw AppError(.messageNotFound, "There is no failed message with that id.")
        }
        return tenantID
    }
}
