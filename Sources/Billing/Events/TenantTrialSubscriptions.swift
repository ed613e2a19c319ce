import AccountsAPI
import Kernel
import Storage

/// Billing's reactions to Accounts' events: every new tenant, signed up or made by an operator,
/// gets its trial (the signup saga's second step). The subscriber names key the inbox.
struct TenantTrialSubscriptions {
    let startTrial: StartTrialStep

    func register(into subscriptions: inout EventSubscriptions) {
        let startTrial = self.startTrial
        subscriptions.subscribe(TenantSignedUp.self, as: "billing.start-trial") { event, tx in
            try await startTrial(tenantName: event.name, email: event.ownerEmail, requestID: "event:\(TenantSignedUp.eventType)",
                                 in: tx)
        }
        subscriptions.subscribe(TenantCreated.self, as: "billing.start-trial-operator") { event, tx in
            // An operator's tenant has no owner yet: no address for billing emails until one is set.
            try await startTrial(tenantName: event.name, email: nil, requestID: "event:\(TenantCreated.eventType)", in: tx)
        }
    }
}
