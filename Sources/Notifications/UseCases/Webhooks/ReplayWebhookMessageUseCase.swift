import Kernel
import NotificationsAPI
import Storage

/// Sends a message again, with the same id and body, to the endpoints it went to (or one of
/// them), on a fresh schedule. A delivery on its way now is left to finish.
struct ReplayWebhookMessageUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, message: WebhookMessageID, endpoint: WebhookEndpointID?) async throws -> WebhookMessage {
        try principal.require(.webhooksManage)
        return try await db.tenant(principal.tenantID) { tx in
            guard try await WebhookMessageRows.exists(message, in: tx) else {
                throw AppError(.webhookMessageNotFound, "There is no such webhook message.")
            }
            if let endpoint { _ = try await WebhookEndpointRows.require(endpoint, in: tx) }
            try await WebhookMessageRows.replay(message, endpoint: endpoint, in: tx)
            try await tx.audit(.webhookMessageReplayed, by: principal, target: "webhook_message/\(message)")
            guard let replayed = try await WebhookMessageRows.find(message, in: tx) else {
                throw AppError(.webhookMessageNotFound, "There is no such webhook message.")
            }
            return replayed
        }
    }
}
