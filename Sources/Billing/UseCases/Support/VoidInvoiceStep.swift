import BillingAPI
import Kernel
import Storage

/// Voids an open invoice that `LockOpenInvoiceStep` locked: nothing is owed on it any more, its
/// number stays (numbers never go back), the customer balance it consumed is the customer's
/// again, `InvoiceVoided` is published, and a past-due subscription with nothing else overdue is
/// active again. The caller writes the audit entry (a staff member's or a tenant user's).
struct VoidInvoiceStep {
    func callAsFunction(_ invoice: Invoice, number: String, in tx: TenantTransaction) async throws -> Invoice {
        try await InvoiceRows.void(invoice.id, in: tx)
        if invoice.balanceApplied.isPositive { try await ProfileRows.adjustBalance(by: invoice.balanceApplied, in: tx) }
        guard let voided = try await InvoiceRows.find(invoice.id, in: tx) else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
        try await tx.publish(InvoiceVoided(tenantID: tx.tenantID, invoiceID: invoice.id, number: number, voidedAt: tx.now, invoice: voided))
        try await SettleSubscriptionStep()(invoice.subscriptionID, in: tx)
        return voided
    }
}
