import Foundation
import Kernel
import NotificationsAPI
import Storage

/// Staff send again every message whose delivery to one of a tenant's endpoints failed, of those
/// made since a time (same ids), with a reason kept in the tenant's audit log: what support does
/// once a customer has fixed an endpoint that was down for days.
struct StaffReplayFailedWebhooksUseCase {
    let db: Database

    func callAsFunction(_ staff: StaffPrincipal, tenantID: TenantID, endpoint: WebhookEndpointID, since: Date,
                        reason: String) async throws -> Int {
        try staff.require(.accountSupport)
        let reason = try StaffReason(reason).value
        return try await db.tenant(tenantID) { tx in
            _ = try await WebhookEndpointRows.require(endpoint, in: tx)
            let count = try await WebhookMessageRows.replayFailed(endpoint: endpoint, since: since, in: tx)
            try await tx.audit(.webhookMessageReplayed, by: staff, target: "webhook_endpoint/\(endpoint)", reason: reason,
                               after: ["failed_since": .string(since.formatted(.iso8601)), "messages": .int(count)])
            return count
        }
    }
}
