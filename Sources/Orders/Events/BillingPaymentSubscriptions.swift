import BillingAPI
import Kernel
import OrdersAPI
import Storage

/// Orders' reactions to Billing's events about an order's invoice: paid, a declined attempt,
/// refunded, voided. Orders knows its invoices by id; it never reads Billing's tables. Each
/// reaction is forward only, so a duplicate or late event changes nothing.
struct BillingPaymentSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(InvoicePaid.self, as: "orders.invoice-paid") { event, tx in
            guard let order = try await OrderRows.find(invoice: event.invoiceID.rawValue, in: tx) else { return }
            try await RecordPaymentStep()(order, .paid(event.amountPaid), in: tx)
        }
        subscriptions.subscribe(PaymentFailed.self, as: "orders.payment-failed") { event, tx in
            guard let order = try await OrderRows.find(invoice: event.invoiceID.rawValue, in: tx) else { return }
            try await RecordPaymentStep()(order, .failed(amount: event.amount, code: event.failureCode, message: event.failureMessage),
                                          in: tx)
        }
        subscriptions.subscribe(InvoiceRefunded.self, as: "orders.invoice-refunded") { event, tx in
            guard let order = try await OrderRows.find(invoice: event.invoiceID.rawValue, in: tx) else { return }
            try await RecordRefundStep()(order, amount: event.amount, total: event.refundedTotal, paid: event.amountPaid,
                                         reason: event.reason, actor: .staff, actorID: nil, in: tx)
        }
        subscriptions.subscribe(InvoiceVoided.self, as: "orders.invoice-voided") { event, tx in
            // Staff voided the invoice in Billing's pages: nothing is owed, so nothing will be
            // delivered. (A cancel that voided it first finds the order canceled already.)
            guard let order = try await OrderRows.find(invoice: event.invoiceID.rawValue, in: tx),
                  order.status == .placed, !order.paymentStatus.holdsMoney else { return }
            try await CancelOrderStep()(order, actor: .staff, actorID: nil, detail: ["why": "its invoice \(event.number) was voided"], in: tx)
        }
    }
}
