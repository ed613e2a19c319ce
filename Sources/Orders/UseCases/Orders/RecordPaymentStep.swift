import Foundation
import Kernel
import OrdersAPI
import Storage

/// What Billing said about an order's invoice, applied forward only: a payment makes the order
/// paid (publishing `OrderPaid`) and delivers its automatic products at once; a declined attempt
/// makes it `failed` and payable again. Run from the pay call's own answer and from Billing's
/// events, whichever comes first: the second finds nothing to change (a late or duplicate report
/// never moves an order back — saleor #12652). Each declined attempt is one timeline entry,
/// written from Billing's event (delivered once per attempt); the pay call's own decline only
/// moves the status, so the answer the buyer sees and the order agree at once.
struct RecordPaymentStep {
    enum Report: Equatable {
        case paid(Money)
        /// Billing's report of one declined attempt.
        case failed(amount: Money, code: String, message: String)
        /// The pay call's own 402 (Billing's event for the same attempt follows).
        case declined
    }

    func callAsFunction(_ order: Order, _ report: Report, in tx: TenantTransaction) async throws {
        let amount: Money
        switch report {
        case .paid(let paid): amount = paid
        case .failed(let attempted, let code, let message):
            // The attempt is history, recorded when Billing reports it; reported after the money
            // came in (an earlier attempt's report, late), it changes nothing else.
            try await OrderEventRows.append(order.id, kind: "payment_failed", actor: .system, actorID: nil,
                                            detail: ["amount": attempted.description, "code": code, "message": message], in: tx)
            fallthrough
        case .declined:
            let payment = try OrderPaymentStatus.transition(from: order.paymentStatus, on: .paymentFailed)
            if payment != order.paymentStatus { try await OrderRows.setStatus(order.id, status: order.status, payment: payment, in: tx) }
            return
        }
        let payment = try OrderPaymentStatus.transition(from: order.paymentStatus, on: .paid)
        guard payment != order.paymentStatus else { return }
        try await OrderEventRows.append(order.id, kind: "paid", actor: .system, actorID: nil,
                                        detail: ["total": order.total.description, "amount_paid": amount.description], in: tx)
        try await OrderRows.setPaid(order.id, amount, in: tx)
        try await OrderRows.setStatus(order.id, status: order.status, payment: payment, in: tx)
        let snapshot = try await OrderRows.snapshot(order, in: tx)
        try await tx.publish(OrderPaid(tenantID: tx.tenantID, order: snapshot, amountPaid: amount, paidAt: tx.now))
        guard OrderRules.canFulfil(status: order.status, payment: payment),
              let paid = try await OrderRows.find(order.id, in: tx) else { return }
        let products = try await OrderRows.lineProducts(order.id, in: tx)
        let due = paid.lines.filter { products[$0.number]?.automatic == true && $0.fulfilled < $0.quantity }
        guard !due.isEmpty else { return }
        try await DeliverStep()(paid, Dictionary(uniqueKeysWithValues: due.map { ($0.number, $0.quantity - $0.fulfilled) }),
                                actor: .system, actorID: nil, how: "automatic products, on payment", products: products, in: tx)
    }
}
