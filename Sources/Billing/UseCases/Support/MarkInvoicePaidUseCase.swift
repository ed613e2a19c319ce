import BillingAPI
import Kernel
import Storage

/// Staff record an out-of-band payment (a bank transfer) of an open invoice, with a reason.
/// A past-due or blocked subscription with nothing else overdue becomes active again
/// (`SettleSubscriptionStep`).
struct MarkInvoicePaidUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> Invoice {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        return try await db.tenant(tenantID) { tx in
            let (invoice, number) = try await LockOpenInvoiceStep()(invoiceID, doing: "marked paid", in: tx)
            try await InvoiceRows.markPaid(invoiceID, note: reason, in: tx)
            guard let paid = try await InvoiceRows.find(invoiceID, in: tx) else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
            try await tx.audit(.invoiceMarkedPaid, by: principal, target: "invoice/\(invoiceID)", reason: reason,
                               before: ["status": .string(invoice.status.rawValue), "amount_due": .string(invoice.amountDue.description)],
                               after: ["status": .string(paid.status.rawValue), "amount_paid": .string(paid.amountPaid.description)])
            try await tx.publish(InvoicePaid(tenantID: tenantID, invoiceID: invoiceID, number: number, amountPaid: paid.amountPaid,
                                             paidAt: paid.paidAt ?? tx.now, invoice: paid))
            try await SettleSubscriptionStep()(invoice.subscriptionID, in: tx)
            return paid
        }
    }
}
