public import Foundation

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

    public init(invoicePrefix: String = "KEEL-", issuer: String = "keel", paymentTermsDays: Int = 7, graceDays: Int = 14,
                trialReminderDays: Int = 3, issuerName: String = "Keel", issuerAddress: [String] = []) {
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
}
