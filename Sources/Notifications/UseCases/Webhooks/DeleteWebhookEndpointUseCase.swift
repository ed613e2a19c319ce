import Kernel
import NotificationsAPI
import Storage

/// Removes an endpoint with its deliveries and their log; the messages stay for the others.
struct DeleteWebhookEndpointUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: WebhookEndpointID) async throws {
        try principal.require(.webhooksManage)
        try await db.tenant(principal.tenantID) { tx in
            guard try await WebhookEndpointRows.delete(id, in: tx) else {
                throw AppError(.webhookEndpointNotFound, "There is no such webhook endpoint.")
            }
            try await tx.audit(.webhookEndpointDeleted, by: principal, target: "webhook_endpoint/\(id)")
        }
    }
}
