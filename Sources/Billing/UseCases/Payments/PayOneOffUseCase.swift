import BillingAPI
import Kernel
import Storage

/// The buyer pays a one-off invoice now, found by its source: the same charge path as
/// `PayInvoiceUseCase` (one attempt in flight; a decline recorded, emailed, then thrown 402).
/// The module that owns the source has checked the principal may act for it.
struct PayOneOffUseCase {
    let db: Database
    let collect: CollectInvoiceStep?

    func callAsFunction(_ principal: Principal, source: String) async throws -> PaymentAttempt {
        guard let collect else { throw PaymentRefusal.notConfigured }
        guard let invoiceID = try await db.tenant(principal.tenantID, { tx in try await CollectionRows.invoice(source: source, in: tx) }) else {
            throw AppError(.invoiceNotFound, "There is no invoice for this yet.")
        }
        let attempt = try await collect(tenantID: principal.tenantID, invoiceID: invoiceID, trigger: .customer)
        if let refusal = PaymentRefusal.of(attempt, next: PaymentRefusal.tenantNext) { throw refusal }
        return attempt
    }
}
