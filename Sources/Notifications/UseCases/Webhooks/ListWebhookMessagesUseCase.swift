import Kernel
import NotificationsAPI
import Storage

struct ListWebhookMessagesUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?,
                        page: PageRequest) async throws -> Page<WebhookMessage> {
        try principal.require(.webhooksManage)
        return try await db.tenant(principal.tenantID) { tx in
            _ = try await WebhookEndpointRows.require(endpoint, in: tx)
            return try await WebhookMessageRows.page(endpoint: endpoint, status: status, page, in: tx)
        }
    }
}
