import BillingAPI
import Kernel
import Storage

/// Staff charge an open invoice now ("retry now"), with a reason, outside the schedule. A
/// decline is recorded on the invoice, then thrown (402), as for the customer's own "pay".
struct RetryCollectionUseCase {
    let db: Database
    let collect: CollectInvoiceStep?

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> PaymentAttempt {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        guard let collect else { throw PaymentRefusal.notConfigured }
        try await db.tenant(tenantID) { tx in
            try await tx.audit(.collectionRetried, by: principal, target: "invoice/\(invoiceID)", reason: reason)
        }
        let attempt = try await collect(tenantID: tenantID, invoiceID: invoiceID, trigger: .staff)
        if let refusal = PaymentRefusal.of(attempt, next: PaymentRefusal.staffNext) { throw refusal }
        return attempt
    }
}
