import BillingAPI
import Kernel
import Storage

/// Staff void an open invoice issued in error, with a reason (`VoidInvoiceStep`).
struct VoidInvoiceUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> Invoice {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        return try await db.tenant(tenantID) { tx in
            let (invoice, number) = try await LockOpenInvoiceStep()(invoiceID, doing: "voided", in: tx)
            let voided = try await VoidInvoiceStep()(invoice, number: number, in: tx)
            try await tx.audit(.invoiceVoided, by: principal, target: "invoice/\(invoiceID)", reason: reason,
                               before: invoice.voidAuditSnapshot, after: voided.voidAuditSnapshot)
            return voided
        }
    }
}

extension Invoice {
    var voidAuditSnapshot: AuditSnapshot {
        ["status": .string(status.rawValue), "amount_due": .string(amountDue.description),
         "balance_applied": .string(balanceApplied.description)]
    }
}
