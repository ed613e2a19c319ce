import BillingAPI
import Kernel
import OrdersAPI
import Storage

/// Pays a placed order now through Billing's charge path (one attempt in flight per invoice:
/// fifty taps make one charge). A decline leaves the order placed and payable again — with a
/// new card, or the same later — without a second invoice. The answer and Billing's event are
/// applied by the same forward-only step, whichever comes first.
struct PayOrderUseCase {
    let db: Database
    let billing: any BillingService

    func callAsFunction(_ principal: Principal, id: OrderID, idempotency: IdempotentCompletion<Order>?) async throws -> Order {
        try principal.require(.ordersManage)
        let order = try await db.tenant(principal.tenantID) { tx in
            let order = try await OrderRows.require(id, in: tx)
            return order
        }
        guard order.status != .draft, order.status != .canceled else {
            throw AppError(.orderConflict, "Only a placed order can be paid; this order is \(order.status.phrase).")
        }
        guard order.paymentStatus == .unpaid || order.paymentStatus == .failed else {
            throw AppError(.orderConflict, "This order is already \(order.paymentStatus.phrase).")
        }
        let attempt: PaymentAttempt
        do {
            attempt = try await billing.payOneOff(principal, source: id.source)
        } catch let error as AppError where error.code == .paymentDeclined {
            try await db.tenant(principal.tenantID) { tx in
                if let current = try await OrderRows.find(id, in: tx, lock: true) { try await RecordPaymentStep()(current, .declined, in: tx) }
            }
            throw error
        }
        return try await db.tenant(principal.tenantID) { tx in
            let current = try await OrderRows.require(id, in: tx, lock: true)
            if attempt.state == .succeeded { try await RecordPaymentStep()(current, .paid(attempt.amount), in: tx) }
            let paid = try await OrderRows.require(id, in: tx)
            if let idempotency { try await tx.complete(idempotency, with: paid) }
            return paid
        }
    }
}
