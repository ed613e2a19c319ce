import BillingAPI
import Kernel
import Storage

/// Notifications' reactions to Billing's events: a trial ending soon, an invoice issued, a plan
/// changed, a payment received or failed, a subscription blocked or restored. Each goes to the
/// billing profile's address; an event without one sends nothing.
struct BillingEmailSubscriptions {
    let queue: QueueEmailStep
    let links: Links

    func register(into subscriptions: inout EventSubscriptions) {
        let (queue, links) = (self.queue, self.links)
        subscriptions.subscribe(TrialEnding.self, as: "notifications.trial-ending") { event, tx in
            guard let email = event.email else { return }
            try await queue(TrialEndingEmail(event, links: links), to: email, in: tx)
        }
        subscriptions.subscribe(InvoiceFinalized.self, as: "notifications.invoice-issued") { event, tx in
            guard let email = event.email else { return }
            try await queue(InvoiceIssuedEmail(event, links: links), to: email, in: tx)
        }
        subscriptions.subscribe(SubscriptionChanged.self, as: "notifications.plan-changed") { event, tx in
            // Only a change of plan is news worth an email; status changes have their own (with payments).
            guard let email = event.email, let previous = event.previousPlanCode, previous != event.planCode else { return }
            try await queue(PlanChangedEmail(event), to: email, in: tx)
        }
        subscriptions.subscribe(SubscriptionChanged.self, as: "notifications.subscription-blocked") { event, tx in
            // Only on entering blocked: a later change while still blocked is no news.
            guard let email = event.email, event.status == .blocked, event.previousStatus != .blocked else { return }
            try await queue(SubscriptionBlockedEmail(event, links: links), to: email, in: tx)
        }
        subscriptions.subscribe(SubscriptionChanged.self, as: "notifications.subscription-restored") { event, tx in
            // Only leaving blocked gives access back; past due to active never took it away.
            guard let email = event.email, event.previousStatus == .blocked, event.status == .active else { return }
            try await queue(SubscriptionRestoredEmail(event, links: links), to: email, in: tx)
        }
        subscriptions.subscribe(PaymentSucceeded.self, as: "notifications.payment-received") { event, tx in
            guard let email = event.email else { return }
            try await queue(PaymentReceivedEmail(event, links: links), to: email, in: tx)
        }
        subscriptions.subscribe(PaymentFailed.self, as: "notifications.payment-failed") { event, tx in
            // An invoice another module asked for (an order's) is that module's to explain.
            guard let email = event.email, event.source == nil else { return }
            try await queue(PaymentFailedEmail(event, links: links), to: email, in: tx)
        }
    }
}
