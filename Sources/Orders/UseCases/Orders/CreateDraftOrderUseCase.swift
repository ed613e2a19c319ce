import Kernel
import OrdersAPI
import Storage

/// A new draft order: its lines checked and priced from the catalog, its coupon code kept (Billing
/// redeems it when the order is placed), its timeline begun, its
/// creation audited. With an Idempotency-Key, the response is recorded in the same transaction.
struct CreateDraftOrderUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, currency: String, lines: [NewOrderLine], coupon: String?,
                        idempotency: IdempotentCompletion<Order>?) async throws -> Order {
        try principal.require(.ordersManage)
        let coupon = try coupon.flatMap(OrderCoupon.normalize)
        return try await db.tenant(principal.tenantID) { tx in
            let draft = try await DraftLinesStep()(currency: currency, lines: lines, in: tx)
            let id = OrderID.generate()
            try await OrderRows.insert(id, draft: draft, coupon: coupon, createdBy: principal.userID, in: tx)
            try await OrderEventRows.append(id, kind: "created", actor: .tenant, actorID: principal.userID.rawValue,
                                            detail: ["total": draft.total.description, "lines": String(draft.lines.count)], in: tx)
            try await tx.audit(.orderCreated, by: principal, target: "order/\(id)", after: ["total": .string(draft.total.description)])
            guard let order = try await OrderRows.find(id, in: tx) else {
                throw AppError(.internalError, "An order just written could not be read back.")
            }
            if let idempotency { try await tx.complete(idempotency, with: order) }
            return order
        }
    }
}
