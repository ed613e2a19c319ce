import BillingAPI
import Kernel
import OrdersAPI
import Storage

/// The tenant cancels a draft, or a placed order nothing was paid for: Billing voids its invoice
/// first (so nothing can charge it afterwards), then the order is marked canceled. Two
/// transactions in two modules, each safe to repeat: a cancel retried after a crash finds the
/// invoice void and finishes. A payment that got in first wins: the order is then paid, and
/// canceling it is staff's (docs/orders.md).
struct CancelOrderUseCase {
    let db: Database
    let billing: any BillingService

    func callAsFunction(_ principal: Principal, id: OrderID) async throws -> Order {
        try principal.require(.ordersManage)
        let order = try await db.tenant(principal.tenantID) { tx in
            let order = try await OrderRows.require(id, in: tx)
            return order
        }
        if try CancelOrderStep.decide(order, by: .tenant) == .alreadyCanceled { return order }
        if order.status != .draft {
            do {
                _ = try await billing.voidOneOff(tenantID: principal.tenantID, source: id.source, by: .tenant(principal))
            } catch let error as AppError where error.code == .invoiceConflict {
                throw AppError(.orderCancelRefused, "The order's payment is under way or done, so it cannot be canceled now; ask support to cancel it with a refund.")
            }
        }
        return try await db.tenant(principal.tenantID) { tx in
            let current = try await OrderRows.require(id, in: tx, lock: true)
            if try CancelOrderStep.decide(current, by: .tenant) == .cancel {
                try await CancelOrderStep()(current, actor: .tenant, actorID: principal.userID.rawValue, detail: [:], in: tx)
                try await tx.audit(.orderCanceled, by: principal, target: "order/\(id)",
                                   after: ["status": .string(OrderStatus.canceled.rawValue)])
            }
            return try await OrderRows.find(id, in: tx) ?? current
        }
    }
}
