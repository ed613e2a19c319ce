import BillingAPI
import Kernel
import OrdersAPI
import Storage

/// Orders' reactions to Billing's events about an order's invoice: paid, or a declined attempt.
/// Orders knows its invoices by id; it never reads Billing's tables.
struct BillingPaymentSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(InvoicePaid.self, as: "orders.invoice-paid") { event, tx in
            guard let order = try await OrderRows.find(invoice: event.invoiceID.rawValue, in: tx, lock: true) else { return }
            try await RecordPaymentStep()(order, .paid, in: tx)
        }
        subscriptions.subscribe(PaymentFailed.self, as: "orders.payment-failed") { event, tx in
            guard let order = try await OrderRows.find(invoice: event.invoiceID.rawValue, in: tx, lock: true) else { return }
            try await RecordPaymentStep()(order, .paymentFailed, in: tx)
        }
    }
}
