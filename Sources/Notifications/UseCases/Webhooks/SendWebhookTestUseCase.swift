import Foundation
import Kernel
import NotificationsAPI
import Storage

/// A `webhook.test` message to one enabled endpoint (a disabled one receives nothing).
struct SendWebhookTestUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: WebhookEndpointID) async throws -> WebhookMessage {
        try principal.require(.webhooksManage)
        return try await db.tenant(principal.tenantID) { tx in
            let endpoint = try await WebhookEndpointRows.require(id, in: tx)
            guard endpoint.enabled else {
                throw AppError(.webhookEndpointDisabled, "The endpoint is disabled, so it receives nothing; enable it first.")
            }
            let data = try JSONSerialization.data(withJSONObject: ["endpoint_id": endpoint.id.description, "url": endpoint.url],
                                                  options: [.sortedKeys, .withoutEscapingSlashes])
            guard let messageID = try await QueueWebhookStep()(type: WebhookCatalog.testType, data: data, to: id, in: tx),
                  let message = try await WebhookMessageRows.find(messageID, in: tx) else {
                throw AppError(.internalError, "The test message could not be made.")
            }
            return message
        }
    }
}
