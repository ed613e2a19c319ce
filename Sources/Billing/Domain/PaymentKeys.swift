import BillingAPI
import Kernel

/// The idempotency keys Keel sends the provider, each derived from Keel's own records, so the
/// same step retried — by this process, after a restart, or by another instance — is the same
/// request to the provider (never a random key per call: Medusa #16292 captured twice that way).
enum PaymentKeys {
    /// Attempt `number` of an invoice: `keel-<invoice>-<n>`; its calls add a suffix
    /// (`-create`, `-confirm`, `-cancel`).
    static func attempt(invoice: InvoiceID, number: Int) -> String { "keel-\(invoice)-\(number)" }
    static func customer(_ tenantID: TenantID) -> String { "keel-customer-\(tenantID)" }
    static func attach(_ tenantID: TenantID, paymentMethod: String) -> String { "keel-attach-\(tenantID)-\(paymentMethod)" }
    static func refund(_ id: RefundID) -> String { "keel-refund-\(id)" }

    /// The metadata every payment carries, so the provider's webhooks lead back to the attempt.
    static func metadata(tenant: TenantID, invoice: InvoiceID, number: Int) -> [String: String] {
        ["keel_tenant_id": tenant.description, "keel_invoice_id": invoice.description, "keel_attempt": String(number)]
    }

    /// Failure codes of Keel's own making, for attempts that charged nothing: the provider did
    /// not answer before the payment was confirmed, or a crash came between the payment's
    /// creation and its confirmation. They do not count towards dunning.
    static let providerUnavailable = "provider_unavailable"
    static let interrupted = "interrupted"
}
