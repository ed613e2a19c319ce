import Kernel
import NotificationsAPI
import OrdersAPI
import Storage

/// Orders' reactions to Notifications' reports about an order: an email sent (which, to whom),
/// a webhook delivered (which type, to which endpoint); each an entry on the order's timeline,
/// once.
struct NotificationSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(EmailSent.self, as: "orders.email-sent") { event, tx in
            guard let id = OrderID(source: event.about),
                  try await OrderRows.exists(id, in: tx) else { return }
            try await OrderEventRows.append(id, kind: "email_sent", actor: .system, actorID: nil,
                                            detail: ["email": event.kind, "to": event.recipient, "subject": event.subject], in: tx)
        }
        subscriptions.subscribe(WebhookDelivered.self, as: "orders.webhook-delivered") { event, tx in
            guard let id = OrderID(source: event.about),
                  try await OrderRows.exists(id, in: tx) else { return }
            try await OrderEventRows.append(id, kind: "webhook_delivered", actor: .system, actorID: nil,
                                            detail: ["webhook": event.type, "message": event.messageID.wire, "to": event.url,
                                                     "status": String(event.statusCode)], in: tx)
        }
    }
}
