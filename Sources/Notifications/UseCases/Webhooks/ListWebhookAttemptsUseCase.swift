import Kernel
import NotificationsAPI
import Storage

struct ListWebhookAttemptsUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, message: WebhookMessageID) async throws -> [WebhookAttempt] {
        try principal.require(.webhooksManage)
        return try await db.tenant(principal.tenantID) { tx in
            guard try await WebhookMessageRows.exists(message, in: tx) else {
                throw AppError(.webhookMessageNotFound, "There is no such webhook message.")
            }
            return try await WebhookMessageRows.attempts(message, in: tx)
        }
    }
}
