import Foundation
import Kernel
import NotificationsAPI
import Storage

/// Every message whose delivery to the endpoint failed since a time, sent again (same ids).
struct ReplayFailedWebhooksUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, endpoint: WebhookEndpointID, since: Date) async throws -> Int {
        try principal.require(.webhooksManage)
        return try await db.tenant(principal.tenantID) { tx in
            _ = try await WebhookEndpointRows.require(endpoint, in: tx)
            let count = try await WebhookMessageRows.replayFailed(endpoint: endpoint, since: since, in: tx)
            try await tx.audit(.webhookMessageReplayed, by: principal, target: "webhook_endpoint/\(endpoint)",
                               after: ["failed_since": .string(ISO8601DateFormatter().string(from: since)), "messages": .int(count)])
            return count
        }
    }
}
