import Foundation
import Kernel
import NotificationsAPI
import Storage

/// Changes an endpoint. Enabling one clears why it was disabled and its failure streak; a
/// tenant disabling one says so as the reason.
struct UpdateWebhookEndpointUseCase {
    let db: Database
    let policy: WebhookPolicy
    let catalog: WebhookCatalog

    func callAsFunction(_ principal: Principal, id: WebhookEndpointID, expectedVersion: Int?,
                        _ change: WebhookEndpointChange) async throws -> WebhookEndpoint {
        try principal.require(.webhooksManage)
        let url = try change.url.map { try WebhookAddress.validate($0, policy: policy).absoluteString }
        let description = try change.description.map(WebhookEndpointRules.description)
        let types = try change.eventTypes.map { try WebhookEndpointRules.eventTypes($0, catalog: catalog) }
        return try await db.tenant(principal.tenantID) { tx in
            let current = try await WebhookEndpointRows.require(id, in: tx, lock: true)
            if let expectedVersion, expectedVersion != current.version {
                throw AppError(.versionMismatch, "The endpoint changed since you read it; read it again and retry.")
            }
            let enabled = change.enabled ?? current.enabled
            let reason: String? = enabled ? nil : (change.enabled == false && current.enabled ? "Disabled by the tenant." : current.disabledReason)
            let updated = try await WebhookEndpointRows.update(id, url: url ?? current.url, description: description ?? current.description,
                                                               eventTypes: types ?? current.eventTypes, enabled: enabled,
                                                               disabledReason: reason, in: tx)
            try await tx.audit(.webhookEndpointUpdated, by: principal, target: "webhook_endpoint/\(id)",
                               after: ["url": .string(updated.url), "enabled": .bool(updated.enabled)])
            return updated
        }
    }
}
