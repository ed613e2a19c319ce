public import NotificationsAPI
import Foundation
import Kernel
import OrdersAPI
import AccountsAPI
import BillingAPI

/// Keel's webhook event types. Declared here, beside the `/v1` representation, so each
/// message's `data` is the resource exactly as the API returns it (the same generated schema
/// and encoder). A module's events join by one `declare` each; docs/webhooks.md lists them. An
/// event stored before it carried its resource (handled after an upgrade) makes no message.
public func webhookCatalog() -> WebhookCatalog {
    var catalog = WebhookCatalog()
    catalog.declare(InvitationCreated.self, as: "user.invited", summary: "Someone was invited to join the tenant.") { event in
        guard let invitation = event.invitation else { return nil }
        return WebhookData(tenantID: event.tenantID, json: try APIHandler.encoder.encode(try Components.Schemas.Invitation(invitation)))
    }
    catalog.declareMember(UserJoined.self, as: "user.joined", summary: "An invitation was accepted: a new member.")
    catalog.declareMember(UserRemoved.self, as: "user.removed", summary: "A member was removed (the user as they were).")
    catalog.declareMember(UserRoleChanged.self, as: "user.role_changed", summary: "A member's role changed.")
    catalog.declareInvoice(InvoiceFinalized.self, as: "invoice.finalized", summary: "An invoice was finalized: numbered and due.")
    catalog.declareInvoice(InvoicePaid.self, as: "invoice.paid", summary: "An invoice was paid (by card, marked paid, or credited to zero).")
    catalog.declareInvoice(PaymentFailed.self, as: "invoice.payment_failed", summary: "A charge of an invoice failed; it is retried on the dunning schedule.")
    catalog.declareInvoice(InvoiceVoided.self, as: "invoice.voided", summary: "An open invoice was voided.")
    catalog.declareInvoice(InvoiceRefunded.self, as: "invoice.refunded", summary: "Money went back to the card for a paid invoice.")
    catalog.declareSubscription(TrialEnding.self, as: "subscription.trial_will_end", summary: "The trial ends in a few days (sent once).")
    catalog.declareSubscription(SubscriptionChanged.self, as: "subscription.updated",
                                summary: "The subscription's plan or status changed (trial ended, past due, blocked, canceled, active again).")
    catalog.declareOrder(OrderPlaced.self, as: "order.placed", summary: "An order was placed and invoiced.")
    catalog.declareOrder(OrderPaid.self, as: "order.paid", summary: "An order's invoice was paid.")
    catalog.declareOrder(OrderFulfilled.self, as: "order.fulfilled", summary: "Some or all of an order was delivered.")
    catalog.declareOrder(OrderCanceled.self, as: "order.canceled", summary: "An order was canceled.")
    catalog.declareOrder(OrderRefunded.self, as: "order.refunded", summary: "Money was given back for an order.")
    return catalog
}

extension WebhookCatalog {
    /// `data` is the order as `GET /v1/orders/{order_id}` returns it; the message is about the order.
    mutating func declareOrder<E: OrderIntegrationEvent>(_ event: E.Type, as type: String, summary: String) {
        declare(E.self, as: type, summary: summary) { event in
            guard let state = event.order.state else { return nil }
            return WebhookData(tenantID: event.tenantID, json: try APIHandler.encoder.encode(try Components.Schemas.Order(state)),
                               about: event.order.orderID.source)
        }
    }

    /// `data` is the invoice as `GET /v1/billing/invoices/{invoice_id}` returns it.
    mutating func declareInvoice<E: InvoiceIntegrationEvent>(_ event: E.Type, as type: String, summary: String) {
        declare(E.self, as: type, summary: summary) { event in
            guard let invoice = event.invoice else { return nil }
            return WebhookData(tenantID: event.tenantID, json: try APIHandler.encoder.encode(try Components.Schemas.Invoice(invoice)))
        }
    }

    /// `data` is the subscription as `GET /v1/billing/subscription` returns it.
    mutating func declareSubscription<E: SubscriptionIntegrationEvent>(_ event: E.Type, as type: String, summary: String) {
        declare(E.self, as: type, summary: summary) { event in
            guard let subscription = event.subscription else { return nil }
            return WebhookData(tenantID: event.tenantID, json: try APIHandler.encoder.encode(try Components.Schemas.Subscription(subscription)))
        }
    }

    /// `data` is the member as `GET /v1/users/{user_id}` returns them.
    mutating func declareMember<E: MemberIntegrationEvent>(_ event: E.Type, as type: String, summary: String) {
        declare(E.self, as: type, summary: summary) { event in
            WebhookData(tenantID: event.tenantID, json: try APIHandler.encoder.encode(try Components.Schemas.User(event.user)))
        }
    }
}
