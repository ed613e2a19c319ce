import BillingAPI
import Kernel
import Logging
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
        guard let collect else { throw PaymentsOff.error }
        let attempt = try await collect(tenantID: principal.tenantID, invoiceID: id, trigger: .customer, idempotency: idempotency)
        if attempt.state == .failed, attempt.failureCode == PaymentKeys.providerUnavailable {
            var error = AppError(.paymentProviderUnavailable, "The payment provider did not answer; nothing was charged. Try again shortly.")
            error.retryAfterSeconds = 30
            throw error
        }
        if attempt.state == .failed {
            throw AppError(.paymentDeclined, "The payment failed: \(attempt.failureMessage ?? "the card was declined"). "
                           + "Add another card (PUT /v1/billing/payment-method) or try again later.")
        }
        return attempt
    }
}

/// The answer when the operator configured no payment provider.
enum PaymentsOff {
    static var error: AppError {
        AppError(.paymentsNotConfigured, "Card payments are not set up on this server; invoices are settled by staff.")
    }
}

/// The invoice's collection attempts, oldest first.
struct ListPaymentAttemptsUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, invoiceID: InvoiceID) async throws -> [PaymentAttempt] {
        try principal.require(.billingRead)
        return try await db.tenant(principal.tenantID) { tx in
            guard try await InvoiceRows.find(invoiceID, in: tx) != nil else {
                throw AppError(.invoiceNotFound, "There is no such invoice.")
            }
            return try await PaymentAttemptRows.all(invoice: invoiceID, in: tx).map(\.attempt)
        }
    }
}
