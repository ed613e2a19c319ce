import Kernel
import NotificationsAPI
import OrdersAPI
import Storage

/// Orders' reaction to Notifications' report that an email about an order was sent: an entry on
/// the order's timeline (which email, to whom), once per email.
struct EmailSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(EmailSent.self, as: "orders.email-sent") { event, tx in
            guard let id = OrderID(source: event.about),
                  try await OrderRows.exists(id, in: tx) else { return }
            try await OrderEventRows.append(id, kind: "email_sent", actor: .system, actorID: nil,
                                            detail: ["email": event.kind, "to": event.recipient, "subject": event.subject], in: tx)
        }
    }
}
