import Kernel
import NotificationsAPI
import Storage

struct GetWebhookEndpointUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: WebhookEndpointID) async throws -> WebhookEndpoint {
        try principal.require(.webhooksManage)
        return try await db.tenant(principal.tenantID) { tx in try await WebhookEndpointRows.require(id, in: tx) }
    }
}
