import Foundation
import Kernel
import NotificationsAPI
import Storage

/// Every event the webhook catalog declares becomes a message for the endpoints that want it,
/// in the transaction that consumes the event (the inbox makes that exactly once). The
/// subscriber names (`webhooks.<type>`) key the inbox.
final class WebhookSubscriptions: WebhookEventSink {
    private(set) var subscriptions: EventSubscriptions
    let queue = QueueWebhookStep()

    init(_ subscriptions: EventSubscriptions) { self.subscriptions = subscriptions }

    func receive<E: IntegrationEvent>(_ event: E.Type, as type: String, _ data: @escaping @Sendable (E) throws -> WebhookData?) {
        let queue = self.queue
        subscriptions.subscribe(E.self, as: "webhooks.\(type)") { event, tx in
            guard let made = try data(event), made.tenantID == tx.tenantID else { return }
            try await queue(type: type, data: made.json, about: made.about, in: tx)
        }
    }
}
