import AccountsAPI
import Kernel
import NotificationsAPI
import Storage

/// When the system disables an endpoint, each of the tenant's active owners gets an email
/// (Accounts says who they are, through `TenantDirectory`).
struct WebhookEmailSubscriptions {
    let queue: QueueEmailStep
    let directory: any TenantDirectory

    func register(into subscriptions: inout EventSubscriptions) {
        let (queue, directory) = (self.queue, self.directory)
        subscriptions.subscribe(WebhookEndpointDisabled.self, as: "notifications.webhook-disabled") { event, tx in
            let (tenantName, owners) = try await directory.owners(of: event.tenantID)
            for owner in owners {
                try await queue(WebhookDisabledEmail(event, tenantName: tenantName, ownerName: owner.name), to: owner.email, in: tx)
            }
        }
    }
}
