import Kernel
import NotificationsAPI
import Storage

struct ListWebhookEndpointsUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws -> [WebhookEndpoint] {
        try principal.require(.webhooksManage)
        return try await db.tenant(principal.tenantID) { tx in try await WebhookEndpointRows.all(in: tx) }
    }
}
