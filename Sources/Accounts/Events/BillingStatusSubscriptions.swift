import BillingAPI
import Kernel
import Storage

/// Accounts' reaction to Billing's subscription reports: a blocked subscription restricts the
/// tenant (authentication carries `billingBlocked`, and the API edge answers 402 to all but
/// paying); any other status lifts it; the plan's seats are how many active people the tenant
/// may have (plus extra seats it bought: `OrderSeatSubscriptions`). Messages can arrive out of
/// order, so the newest wins — by the subscription's id (UUIDv7, time-ordered: a later
/// subscription is newer) and then its version (a trial's start is version 1), never by a
/// transaction's start time — and an older one changes nothing. The tenant's data is untouched.
struct BillingStatusSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(TrialStarted.self, as: "accounts.trial-seats") { event, tx in
            try await TenantRows.applySubscription(blocked: false, seats: event.seats, subscription: event.subscriptionID.rawValue,
                                                   version: 1, in: tx)
        }
        subscriptions.subscribe(SubscriptionChanged.self, as: "accounts.billing-status") { event, tx in
            try await TenantRows.applySubscription(blocked: event.status == .blocked, seats: event.seats,
                                                   subscription: event.subscriptionID.rawValue, version: event.version ?? 0, in: tx)
        }
    }
}
