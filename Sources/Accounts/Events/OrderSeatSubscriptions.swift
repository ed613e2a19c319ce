import AccountsAPI
import Kernel
import OrdersAPI
import Storage

/// Accounts' reaction to an order's delivery: seats it granted (an `extra-seats` add-on) raise
/// the tenant's limit, once — the outbox delivers each event to this subscriber once (its inbox
/// dedupe), in the transaction that records it — with an audit entry naming the order.
struct OrderSeatSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(OrderFulfilled.self, as: "accounts.extra-seats") { event, tx in
            let seats = event.items.reduce(0) { $0 + $1.seats }
            guard seats > 0 else { return }
            try await TenantRows.addExtraSeats(seats, in: tx)
            try await tx.audit(.seatsAdded, actor: nil, target: "order/\(event.order.orderID)", requestID: "event:\(OrderFulfilled.eventType)",
                               after: ["seats": .int(seats)])
        }
    }
}
