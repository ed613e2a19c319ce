import BillingAPI
import Kernel
import Storage

/// Accounts' reaction to Billing's subscription status: a blocked subscription restricts the
/// tenant (authentication carries `billingBlocked`, and the API edge answers 402 to all but
/// paying); any other status lifts it. Messages can arrive out of order, so the newest wins —
/// by the subscription's id (UUIDv7, time-ordered: a later subscription is newer) and then its
/// version, never by a transaction's start time — and an older one changes nothing. The
/// tenant's data is untouched.
struct BillingStatusSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(SubscriptionChanged.self, as: "accounts.billing-status") { event, tx in
            try await TenantRows.setBillingBlocked(event.status == .blocked, subscription: event.subscriptionID.rawValue,
                                                   version: event.version ?? 0, in: tx)
        }
    }
}
