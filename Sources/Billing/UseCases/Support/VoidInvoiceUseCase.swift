import BillingAPI
import Kernel
import Storage

/// Staff void an open invoice issued in error, with a reason: nothing is owed on it any more,
/// and its number stays (numbers never go back). A past-due subscription with nothing else
/// overdue is active again.
struct VoidInvoiceUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> Invoice {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        return try await db.tenant(tenantID) { tx in
            let (invoice, number) = try await LockOpenInvoiceStep()(invoiceID, doing: "voided", in: tx)
            try await InvoiceRows.void(invoiceID, in: tx)
            // The customer balance it consumed is the customer's again.
            if invoice.balanceApplied.isPositive { try await ProfileRows.adjustBalance(by: invoice.balanceApplied, in: tx) }
            guard let voided = try await InvoiceRows.find(invoiceID, in: tx) else { throw AppError(.invoiceNotFound, "There is no such invoice.") }
            try await tx.audit(.invoiceVoided, by: principal, target: "invoice/\(invoiceID)", reason: reason,
                               before: ["status": .string(invoice.status.rawValue), "amount_due": .string(invoice.amountDue.description)],
                               after: ["status": .string(voided.status.rawValue),
                                       "balance_returned": .string(invoice.balanceApplied.description)])
            try await tx.publish(InvoiceVoided(tenantID: tenantID, invoiceID: invoiceID, number: number, voidedAt: tx.now))
            try await SettleSubscriptionStep()(invoice.subscriptionID, in: tx)
            return voided
        }
    }
}
