import Foundation
import Kernel
import NotificationsAPI
import Storage

/// Registers an endpoint: the URL checked (https, a public address), the event types known,
/// at most `WebhookPolicy.maxEndpoints` per tenant; the secret is returned once.
struct CreateWebhookEndpointUseCase {
    let db: Database
    let policy: WebhookPolicy
    let catalog: WebhookCatalog

    func callAsFunction(_ principal: Principal, _ new: NewWebhookEndpoint) async throws -> CreatedWebhookEndpoint {
        try principal.require(.webhooksManage)
        let url = try WebhookAddress.validate(new.url, policy: policy).absoluteString
        let checked = NewWebhookEndpoint(url: url, description: try WebhookEndpointRules.description(new.description),
                                         eventTypes: try WebhookEndpointRules.eventTypes(new.eventTypes, catalog: catalog),
                                         enabled: new.enabled)
        let secret = WebhookSignature.newSecret()
        let endpoint = try await db.tenant(principal.tenantID) { tx in
            // Counted under the tenant's lock, so two registrations at once cannot pass the limit together.
            guard try await WebhookEndpointRows.countLocked(in: tx) < policy.maxEndpoints else {
                throw AppError(.webhookEndpointLimit, "A tenant can have at most \(policy.maxEndpoints) webhook endpoints; remove one first.")
            }
            let endpoint = try await WebhookEndpointRows.insert(.generate(), checked, url: url, secret: secret, in: tx)
            try await tx.audit(.webhookEndpointCreated, by: principal, target: "webhook_endpoint/\(endpoint.id)",
                               after: ["url": .string(url)])
            return endpoint
        }
        return CreatedWebhookEndpoint(endpoint: endpoint, secret: secret)
    }
}
