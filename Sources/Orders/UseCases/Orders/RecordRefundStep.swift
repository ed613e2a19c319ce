import Foundation
import Kernel
import OrdersAPI
import Storage

/// A refund Billing made against the order's invoice, applied forward only from its running
/// total: `partially_refunded`, or `refunded` once the whole payment went back. Run from
/// Billing's `InvoiceRefunded` and from the staff refund's own answer, whichever comes first; a
/// total the order already has changes nothing.
struct RecordRefundStep {
    func callAsFunction(_ order: Order, amount: Money, total: Money, paid: Money, reason: String, actor: OrderActor,
                        actorID: UUID?, in tx: TenantTransaction) async throws {
        guard try order.refunded.isLess(than: total) else { return }
        let full = try !total.isLess(than: paid)
        let payment = try OrderPaymentStatus.transition(from: order.paymentStatus, on: .refunded(full: full))
        try await OrderRows.setRefunded(order.id, total: total, in: tx)
        try await OrderRows.setStatus(order.id, status: order.status, payment: payment, in: tx)
        try await OrderEventRows.append(order.id, kind: full ? "refunded" : "partially_refunded", actor: actor, actorID: actorID,
                                        detail: ["amount": amount.description, "refunded_total": total.description, "reason": reason],
                                        in: tx)
        try await tx.publish(OrderRefunded(tenantID: tx.tenantID, order: try await OrderRows.snapshot(order, in: tx), amount: amount,
                                           refundedTotal: total, full: full, reason: reason, refundedAt: tx.now))
    }
}
