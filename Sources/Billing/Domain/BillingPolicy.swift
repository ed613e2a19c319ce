import Foundation

/// The rules of billing an operator may set (`KEEL_INVOICE_PREFIX`, …): who issues invoices,
/// when they are due, how long a trial's reminder and an unpaid subscription's grace last.
public struct BillingPolicy: Sendable {
    /// Invoice numbers are this prefix and six or more digits: `KEEL-000042`.
    public var invoicePrefix: String
    /// The counter the numbers come from (one issuer numbers every tenant's invoices).
    public var issuer: String
    /// Days from finalization to an invoice's due date.
    public var paymentTermsDays: Int
    /// Days a past-due subscription keeps access before it is blocked.
    public var graceDays: Int
    /// Days before a trial's end that the "trial ends soon" email goes out.
    public var trialReminderDays: Int
    /// Who issues the invoices, as their PDFs show it.
    public var issuerName: String
    public var issuerAddress: [String]
    /// Dunning: after the first, second, … failed collection of an invoice, the next try is this
    /// many days after the first failure (`KEEL_BILLING_RETRY_DAYS`, default 3,7,14: four tries
    /// over fourteen days). When they are spent the subscription is blocked.
    public var retryDays: [Int]
    /// How long an instance may be talking to the provider about one attempt before another
    /// instance (or itself after a restart) settles it by asking the provider. Longer than a
    /// provider call's timeout.
    public var providerLeaseSeconds: Int

    public init(invoicePrefix: String = "KEEL-", issuer: String = "keel", paymentTermsDays: Int = 7, graceDays: Int = 14,
                trialReminderDays: Int = 3, issuerName: String = "Keel", issuerAddress: [String] = [],
                retryDays: [Int] = [3, 7, 14], providerLeaseSeconds: Int = 60) {
        self.retryDays = retryDays
        self.providerLeaseSeconds = providerLeaseSeconds
        self.issuerName = issuerName
        self.issuerAddress = issuerAddress
        self.invoicePrefix = invoicePrefix
        self.issuer = issuer
        self.paymentTermsDays = paymentTermsDays
        self.graceDays = graceDays
        self.trialReminderDays = trialReminderDays
    }

    func invoiceNumber(_ sequence: Int) -> String {
        invoicePrefix + Self.padded(sequence)
    }

    /// Credit notes take the invoice prefix and `CN-`: `KEEL-CN-000003`.
    func creditNoteNumber(_ sequence: Int) -> String {
        invoicePrefix + "CN-" + Self.padded(sequence)
    }

    private static func padded(_ sequence: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    var paymentTerms: TimeInterval { TimeInterval(paymentTermsDays) * 86_400 }
    var grace: TimeInterval { TimeInterval(graceDays) * 86_400 }
    var trialReminderLead: TimeInterval { TimeInterval(trialReminderDays) * 86_400 }
    var providerLease: TimeInterval { TimeInterval(providerLeaseSeconds) }

    /// Dunning after a failed collection: when the invoice is tried next (nil: the retries are
    /// spent, and the subscription is blocked now), and why the next try will not charge. A
    /// hard decline (`card_declined`, a stolen card…) is not retried on the same card: its next
    /// try ends dunning early instead (`hard_decline`), unless a new card arrives first (which
    /// is charged at once). Soft failures are retried on `retryDays` from the first failure.
    func dunning(after failure: PaymentFailure, failures: Int, first: Date, now: Date) -> (next: Date?, stopped: String?) {
        let next = nextRetry(afterFailures: failures, first: first).map { max($0, now) }
        if next == nil { return (nil, "retries_spent") }
        return (next, failure.isHardDecline ? "hard_decline" : nil)
    }

    /// After the `failures`-th failed collection (1-based) of an invoice whose first failure was
    /// at `first`, when to try again; nil when the retries are spent.
    func nextRetry(afterFailures failures: Int, first: Date) -> Date? {
        let index = failures - 1
        guard retryDays.indices.contains(index) else { return nil }
        return BillingInterval.adding(days: retryDays[index], to: first)
    }
}
