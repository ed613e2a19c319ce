import BillingAPI
import Kernel
import Storage

/// While a charge of an invoice is with the provider, nothing else may change what is owed on
/// it: a credit, a void or an out-of-band payment landing mid-charge would leave the card
/// charged for an amount Keel no longer books. The caller holds the invoice's row lock, which
/// the charge's own transactions take too, so the check cannot race them.
struct PaymentInFlightStep {
    func callAsFunction(_ invoice: InvoiceID, doing: String, in tx: TenantTransaction) async throws {
        guard try await PaymentAttemptRows.inFlight(invoice: invoice, in: tx) else { return }
        var error = AppError(.paymentInProgress, "A payment of this invoice is with the provider now; it cannot be \(doing) until "
                             + "its outcome is known (a few seconds, or up to a minute if the provider is slow).")
        error.retryAfterSeconds = 5
        throw error
    }
}
