import BillingAPI
import Kernel
import Storage

/// The customer pays an open invoice now (`POST /v1/billing/invoices/{id}/pay`, Idempotency-Key
/// required). One attempt per call, one in flight per invoice: fifty concurrent taps make one
/// charge, whatever their keys. A decline is recorded (and emailed) and answered 402.
struct PayInvoiceUseCase {
    let db: Database
    let collect: CollectInvoiceStep?

    func callAsFunction(_ principal: Principal, id: InvoiceID,
                        idempotency: IdempotentCompletion<PaymentAttempt>?) async throws -> PaymentAttempt {
        try principal.require(.billingManage)
        guard let collect else { throw PaymentRefusal.notConfigured }
        let attempt = try await collect(tenantID: principal.tenantID, invoiceID: id, trigger: .customer, idempotency: idempotency)
        if let refusal = PaymentRefusal.of(attempt, next: PaymentRefusal.tenantNext) { throw refusal }
        return attempt
    }
}
