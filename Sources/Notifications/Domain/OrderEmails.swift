import BillingAPI
import Foundation
import Kernel
import OrdersAPI

// The emails about a tenant's orders, sent to the billing profile's address the order was
// placed under (none without one). Each names the order by its short reference and links to it.

/// The order confirmation: what was ordered, what it costs, the invoice it is on.
struct OrderPlacedEmail: EmailModel {
    static let kind = "order_placed"
    let tenantName: String
    let reference: String
    let items: [String]
    let total: String
    let invoiceNumber: String?
    let placedAt: Date
    let orderURL: String
    let subject: String
    let about: String?

    init(_ event: OrderPlaced, links: Links) {
        about = event.order.orderID.source
        tenantName = event.order.customerName
        reference = event.order.reference
        items = event.items.map { "\($0.quantity) × \($0.productName)" }
        total = event.order.total.description
        invoiceNumber = event.invoiceNumber
        placedAt = event.placedAt
        orderURL = links.url("orders", ["id": event.order.orderID.description])
        subject = "Order \(reference) confirmed: \(total)"
    }
}

/// An order's payment was declined: the order waits, payable again.
struct OrderPaymentFailedEmail: EmailModel {
    static let kind = "order_payment_failed"
    let tenantName: String
    let reference: String
    let amount: String
    let failureMessage: String
    let occurredAt: Date
    let orderURL: String
    let subject: String
    let about: String?

    /// Nil when the invoice was not issued for an order.
    init?(_ event: PaymentFailed, links: Links) {
        guard let source = event.source, let id = OrderID(source: source) else { return nil }
        about = source
        tenantName = event.customerName
        reference = id.reference
        amount = event.amount.description
        failureMessage = event.failureMessage
        occurredAt = event.occurredAt
        orderURL = links.url("orders", ["id": id.description])
        subject = "Payment failed for order \(reference)"
    }
}

/// Some or all of an order was delivered.
struct OrderFulfilledEmail: EmailModel {
    static let kind = "order_fulfilled"
    let tenantName: String
    let reference: String
    let items: [String]
    let complete: Bool
    let fulfilledAt: Date
    let orderURL: String
    let subject: String
    let about: String?

    init(_ event: OrderFulfilled, links: Links) {
        about = event.order.orderID.source
        tenantName = event.order.customerName
        reference = event.order.reference
        items = event.items.map { "\($0.quantity) × \($0.productName)" }
        complete = event.complete
        fulfilledAt = event.fulfilledAt
        orderURL = links.url("orders", ["id": event.order.orderID.description])
        subject = complete ? "Order \(reference) delivered" : "Order \(reference) partly delivered"
    }
}

/// Money went back for an order.
struct OrderRefundedEmail: EmailModel {
    static let kind = "order_refunded"
    let tenantName: String
    let reference: String
    let amount: String
    let refundedTotal: String
    let full: Bool
    let reason: String
    let refundedAt: Date
    let orderURL: String
    let subject: String
    let about: String?

    init(_ event: OrderRefunded, links: Links) {
        about = event.order.orderID.source
        tenantName = event.order.customerName
        reference = event.order.reference
        amount = event.amount.description
        refundedTotal = event.refundedTotal.description
        full = event.full
        reason = event.reason
        refundedAt = event.refundedAt
        orderURL = links.url("orders", ["id": event.order.orderID.description])
        subject = "Refund of \(amount) for order \(reference)"
    }
}
