import Kernel
import OrdersAPI
import Storage

/// What Billing said about an order's invoice, applied forward only: a payment makes the order
/// paid and delivers its automatic products at once; a declined attempt makes it `failed` and
/// payable again. Run from the pay call's own answer and from Billing's events, whichever comes
/// first: the second finds nothing to change (a late or duplicate report never moves an order
/// back — saleor #12652).
struct RecordPaymentStep {
    func callAsFunction(_ order: Order, _ event: PaymentEvent, in tx: TenantTransaction) async throws {
        let payment = try OrderPaymentStatus.transition(from: order.paymentStatus, on: event)
        guard payment != order.paymentStatus else { return }
        var status = order.status
        try await OrderEventRows.append(order.id, kind: event == .paid ? "paid" : "payment_failed", actor: .system, actorID: nil,
                                        detail: ["total": order.total.description], in: tx)
        if event == .paid, OrderRules.canFulfil(status: status, payment: payment), try await OrderRows.fulfilAutomatic(order.id, in: tx) > 0 {
            let delivered = try await OrderRows.find(order.id, in: tx)
            let complete = delivered?.lines.allSatisfy { $0.fulfilled == $0.quantity } ?? false
            status = try OrderStatus.transition(from: status, on: .fulfil(complete: complete))
            try await OrderEventRows.append(order.id, kind: complete ? "fulfilled" : "partially_fulfilled", actor: .system, actorID: nil,
                                            detail: ["how": "automatic products, on payment"], in: tx)
        }
        try await OrderRows.setStatus(order.id, status: status, payment: payment, in: tx)
    }
}
