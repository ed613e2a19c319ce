import BillingAPI
import Kernel
import OrdersAPI
import Storage

/// Notifications' reactions to Orders' events (placed, fulfilled, refunded) and to a declined
/// payment of an order's invoice (Billing's event, which names the order as its source; Billing's
/// own payment-failed email leaves such invoices to this one). Each goes to the address the order
/// was placed under; an order without one sends nothing.
struct OrderEmailSubscriptions {
    let queue: QueueEmailStep
    let links: Links

    func register(into subscriptions: inout EventSubscriptions) {
        let (queue, links) = (self.queue, self.links)
        subscriptions.subscribe(OrderPlaced.self, as: "notifications.order-placed") { event, tx in
            guard let email = event.order.email else { return }
            try await queue(OrderPlacedEmail(event, links: links), to: email, in: tx)
        }
        subscriptions.subscribe(PaymentFailed.self, as: "notifications.order-payment-failed") { event, tx in
            guard let email = event.email, let model = OrderPaymentFailedEmail(event, links: links) else { return }
            try await queue(model, to: email, in: tx)
        }
        subscriptions.subscribe(OrderFulfilled.self, as: "notifications.order-fulfilled") { event, tx in
            guard let email = event.order.email else { return }
            try await queue(OrderFulfilledEmail(event, links: links), to: email, in: tx)
        }
        subscriptions.subscribe(OrderRefunded.self, as: "notifications.order-refunded") { event, tx in
            guard let email = event.order.email else { return }
            try await queue(OrderRefundedEmail(event, links: links), to: email, in: tx)
        }
    }
}
