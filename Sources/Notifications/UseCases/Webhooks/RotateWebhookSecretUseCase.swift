import Foundation
import Kernel
import NotificationsAPI
import Storage

/// A new signing secret; the current one keeps signing alongside it for the overlap, so
/// receivers can switch without losing a delivery. Rotating again during an overlap drops the
/// oldest secret.
struct RotateWebhookSecretUseCase {
    let db: Database
    let policy: WebhookPolicy

    func callAsFunction(_ principal: Principal, id: WebhookEndpointID) async throws -> CreatedWebhookEndpoint {
        try principal.require(.webhooksManage)
        let secret = WebhookSignature.newSecret()
        let endpoint = try await db.tenant(principal.tenantID) { tx in
            _ = try await WebhookEndpointRows.require(id, in: tx, lock: true)
            let endpoint = try await WebhookEndpointRows.rotate(
                id, secret: secret, overlapEnds: tx.now.addingTimeInterval(WebhookPolicy.seconds(policy.rotationOverlap)), in: tx)
            try await tx.audit(.webhookSecretRotated, by: principal, target: "webhook_endpoint/\(id)")
            return endpoint
        }
        return CreatedWebhookEndpoint(endpoint: endpoint, secret: secret)
    }
}
