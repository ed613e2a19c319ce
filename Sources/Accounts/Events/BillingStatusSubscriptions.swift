import BillingAPI
import Kernel
import Storage

/// Accounts' reaction to Billing's subscription status: a blocked subscription restricts the
/// tenant (authentication carries `billingBlocked`, and the API edge answers 402 to all but
/// paying); any other status lifts it. Messages can arrive out of order, so the newest by
/// `occurredAt` wins and an older one changes nothing. The tenant's data is untouched.
struct BillingStatusSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(SubscriptionChanged.self, as: "accounts.billing-status") { event, tx in
            try await TenantRows.setBillingBlocked(event.status == .blocked, asOf: event.occurredAt, in: tx)
        }
    }
}
