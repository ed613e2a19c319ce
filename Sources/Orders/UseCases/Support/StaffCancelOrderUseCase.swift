import BillingAPI
import Kernel
import OrdersAPI
import Storage

/// Staff cancel an order nothing was delivered of, with a reason. Unpaid: Billing voids its
/// invoice first. Paid: everything refundable goes back through Billing first (a full refund),
/// then the order is canceled. Money first, status second, each step safe to repeat: a cancel
/// retried after a crash finds the invoice void or refunded and finishes.
struct StaffCancelOrderUseCase {
    let db: Database
    let billing: any BillingService
    let support: any BillingSupportService

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, reason: String) async throws -> Order {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        let order = try await db.tenant(tenantID) { tx in try await OrderRows.require(id, in: tx) }
        var detail = ["reason": reason]
        switch try CancelOrderStep.decide(order, by: .staff) {
        case .alreadyCanceled: return order
        case .cancel:
            if order.status != .draft {
                _ = try await billing.voidOneOff(tenantID: tenantID, source: id.source, by: .staff(principal, reason: reason))
            }
        case .cancelAndRefund:
            guard let invoice = order.invoiceID.map(InvoiceID.init(rawValue:)) else {
                throw AppError(.orderConflict, "The order has no invoice to refund.")
            }
            let refundable = try await support.collection(principal, tenantID: tenantID, invoiceID: invoice).refundable
            if refundable.isPositive {
                let refund = try await support.refund(principal, tenantID: tenantID, invoiceID: invoice, amount: refundable, reason: reason)
                _ = try await RecordStaffRefundStep(db: db, billing: support)(principal, tenantID: tenantID, id: id, refund: refund)
                detail["refunded"] = refund.amount.description
                if refund.state == .failed { detail["refund"] = "the provider refused it; retry it from the invoice page" }
            }
        }
        return try await db.tenant(tenantID) { tx in
            let current = try await OrderRows.require(id, in: tx, lock: true)
            guard current.status != .canceled else { return current }
            // Billing refuses to void a paid invoice, so an unpaid order cannot have become paid
            // since; a delivery made meanwhile refuses here.
            _ = try CancelOrderStep.decide(current, by: .staff)
            try await CancelOrderStep()(current, actor: .staff, actorID: principal.staffID.rawValue, detail: detail, in: tx)
            try await tx.audit(.orderCanceled, by: principal, target: "order/\(id)", reason: reason,
                               before: ["status": .string(current.status.rawValue), "payment_status": .string(current.paymentStatus.rawValue)],
                               after: ["status": .string(OrderStatus.canceled.rawValue)])
            return try await OrderRows.require(id, in: tx)
        }
    }
}
