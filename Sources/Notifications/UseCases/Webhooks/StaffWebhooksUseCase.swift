import Kernel
import NotificationsAPI
import Storage

/// A tenant's webhooks as staff read them: endpoints with their health, messages, attempts.
struct StaffWebhooksUseCase {
    let db: Database

    func endpoints(_ staff: StaffPrincipal, tenantID: TenantID) async throws -> [WebhookEndpoint] {
        try staff.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in try await WebhookEndpointRows.all(in: tx) }
    }

    func messages(_ staff: StaffPrincipal, tenantID: TenantID, endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?,
                  page: PageRequest) async throws -> Page<WebhookMessage> {
        try staff.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in
            _ = try await WebhookEndpointRows.require(endpoint, in: tx)
            return try await WebhookMessageRows.page(endpoint: endpoint, status: status, page, in: tx)
        }
    }

    func message(_ staff: StaffPrincipal, tenantID: TenantID, id: WebhookMessageID) async throws -> (WebhookMessage, [WebhookAttempt]) {
        try staff.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in
            guard let message = try await WebhookMessageRows.find(id, in: tx) else {
                throw AppError(.webhookMessageNotFound, "There is no such webhook message.")
            }
            return (message, try await WebhookMessageRows.attempts(id, in: tx))
        }
    }
}
