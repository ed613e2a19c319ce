import BillingAPI
import Kernel
import OrdersAPI
import Storage

/// Staff give some or all of an order's money back, with a reason, through Billing — which
/// guards refunded ≤ paid across every refund of the invoice (422 `exceeds_paid`), issues the
/// credit note and calls the provider. The order takes Billing's running total (the same step
/// Billing's `InvoiceRefunded` runs, whichever comes first).
struct RefundOrderUseCase {
    let db: Database
    let billing: any BillingSupportService

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, amount: Money, reason: String) async throws -> Order {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        let order = try await db.tenant(tenantID) { tx in try await OrderRows.require(id, in: tx) }
        guard order.paymentStatus.holdsMoney, let invoice = order.invoiceID else {
            throw AppError(.orderConflict, "Only a paid order can be refunded; this one is \(order.paymentStatus.phrase).")
        }
        guard amount.currency == order.currency else {
            throw AppError.validation([FieldError(field: "amount", code: "currency_mismatch",
                                                  message: "Refund in the order's currency, \(order.currency.code).")])
        }
        let refund = try await billing.refund(principal, tenantID: tenantID, invoiceID: InvoiceID(rawValue: invoice), amount: amount,
                                              reason: reason)
        return try await RecordStaffRefundStep(db: db, billing: billing)(principal, tenantID: tenantID, id: id, refund: refund)
    }
}

/// After Billing took a staff refund: the order gets Billing's running total for its invoice
/// (read back, so refunds made from the invoice page count too), the timeline and audit the
/// staff member. Shared by refund and cancel-with-refund.
struct RecordStaffRefundStep {
    let db: Database
    let billing: any BillingSupportService

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, refund: Refund) async throws -> Order {
        let collection = try await billing.collection(principal, tenantID: tenantID, invoiceID: refund.invoiceID)
        let paid = collection.invoice.amountPaid
        let total = try paid.subtracting(collection.refundable)
        return try await db.tenant(tenantID) { tx in
            let order = try await OrderRows.require(id, in: tx, lock: true)
            try await RecordRefundStep()(order, amount: refund.amount, total: total, paid: paid, reason: refund.reason, actor: .staff,
                                         actorID: principal.staffID.rawValue, in: tx)
            try await tx.audit(.orderRefunded, by: principal, target: "order/\(id)", reason: refund.reason,
                               after: ["amount": .string(refund.amount.description), "refunded_total": .string(total.description),
                                       "refund_state": .string(refund.state.rawValue)])
            return try await OrderRows.require(id, in: tx)
        }
    }
}
