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
}
