import BillingAPI
import Kernel

/// How a payment that did not go through is answered to whoever asked for it now.
enum PaymentRefusal {
    /// The operator configured no payment provider.
    static var notConfigured: AppError {
        AppError(.paymentsNotConfigured, "Card payments are not set up on this server; invoices are settled by staff.")
    }

    /// A failed attempt as the caller's error (it is recorded on the invoice first): 503 when
    /// the provider did not answer (nothing was charged), 402 when the card was refused. `next`
    /// is what the caller can do about it, in their words.
    static func of(_ attempt: PaymentAttempt, next: String) -> AppError? {
        guard attempt.state == .failed else { return nil }
        if attempt.failureCode == PaymentKeys.providerUnavailable || attempt.failureCode == PaymentKeys.interrupted {
            var error = AppError(.paymentProviderUnavailable, "The payment provider did not answer; nothing was charged. Try again shortly.")
            error.retryAfterSeconds = 30
            return error
        }
        var reason = attempt.failureMessage ?? "the card was declined"
        while reason.hasSuffix(".") { reason.removeLast() }
        return AppError(.paymentDeclined, "The payment failed: \(reason). \(next)")
    }

    /// What a tenant can do about a declined payment.
    static let tenantNext = "Add another card (PUT /v1/billing/payment-method) or try again later."
    /// What staff can do about one.
    static let staffNext = "The attempt is recorded on the invoice; the customer needs a new card."
}
