import Foundation
import Kernel
import NotificationsAPI
import Storage

/// Staff send a tenant's message again (same id, to every endpoint it went to), with a reason
/// kept in the tenant's audit log.
struct StaffReplayWebhookUseCase {
    let db: Database

    func callAsFunction(_ staff: StaffPrincipal, tenantID: TenantID, message: WebhookMessageID, reason: String) async throws -> WebhookMessage {
        try staff.require(.accountSupport)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 3 else {
            throw AppError.validation([FieldError(field: "reason", code: "reason_required", message: "Say why the message is sent again.")])
        }
        return try await db.tenant(tenantID) { tx in
            guard try await WebhookMessageRows.exists(message, in: tx) else {
                throw AppError(.webhookMessageNotFound, "There is no such webhook message.")
            }
            try await WebhookMessageRows.replay(message, endpoint: nil, in: tx)
            try await tx.audit(.webhookMessageReplayed, by: staff, target: "webhook_message/\(message)", reason: reason)
            guard let replayed = try await WebhookMessageRows.find(message, in: tx) else {
                throw AppError(.webhookMessageNotFound, "There is no such webhook message.")
            }
            return replayed
        }
    }
}
