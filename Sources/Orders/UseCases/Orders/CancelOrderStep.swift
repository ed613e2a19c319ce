import Foundation
import Kernel
import OrdersAPI
import Storage

/// Marks an order canceled, once its money question is settled (nothing paid, its invoice void,
/// or everything refunded): the status moved, the timeline told, `OrderCanceled` published.
/// Canceling a canceled order changes nothing.
struct CancelOrderStep {
    func callAsFunction(_ order: Order, actor: OrderActor, actorID: UUID?, detail: [String: String],
                        in tx: TenantTransaction) async throws {
        guard order.status != .canceled else { return }
        let status = try OrderStatus.transition(from: order.status, on: .cancel)
        try await OrderRows.setStatus(order.id, status: status, payment: order.paymentStatus, in: tx)
        try await OrderEventRows.append(order.id, kind: "canceled", actor: actor, actorID: actorID, detail: detail, in: tx)
        guard order.status != .draft else { return }  // a draft was never news to anyone
        try await tx.publish(OrderCanceled(tenantID: tx.tenantID, order: try await OrderRows.snapshot(order, in: tx), actor: actor,
                                           canceledAt: tx.now))
    }

    /// The cancel rules (`OrderRules.cancel`) for `actor`, refusals in words.
    static func decide(_ order: Order, by actor: OrderActor) throws -> OrderRules.Cancel {
        do {
            return try OrderRules.cancel(status: order.status, payment: order.paymentStatus, by: actor)
        } catch .paidNeedsStaff {
            throw AppError(.orderCancelRefused, "This order is paid; ask support to cancel it (they refund it in full).")
        } catch .fulfilled {
            throw AppError(.orderCancelRefused, actor == .tenant
                ? "This order was delivered, at least in part, so it cannot be canceled; ask support for a refund."
                : "This order was delivered, at least in part: refund it instead of canceling.")
        }
    }
}
