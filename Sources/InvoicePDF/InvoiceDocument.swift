public import BillingAPI
import Foundation
import Kernel

/// What an invoice's PDF shows, as plain, already formatted text: the renderer only lays it out.
///
/// Money is formatted from minor units with `Money.decimalString` (integers only, no locale, no
/// floating point) followed by the currency code, e.g. "1870.80 EUR"; dates as `yyyy-MM-dd` in
/// UTC; the tax rate from basis points with integer arithmetic ("20 %", "19.5 %", "7.25 %").
///
/// ```swift
/// let document = InvoiceDocument(invoice: invoice, issuerName: "Keel Ltd", issuerAddress: ["1 Dock Road", "London"])
/// let pdf = try InvoicePDFRenderer.render(document)   // or `try await service.render(document)`
/// ```
public struct InvoiceDocument: Sendable, Equatable {
    /// One row of the line table.
    public struct Line: Sendable, Equatable {
        public var description: String
        public var quantity: Int
        public var unitAmount: String
        public var amount: String
        public var tax: String
        /// The service period of the line ("2026-01-15 – 2026-02-15"), when it has one.
        public var period: String?

        public init(description: String, quantity: Int, unitAmount: String, amount: String, tax: String,
                    period: String? = nil) {
            self.description = description
            self.quantity = quantity
            self.unitAmount = unitAmount
            self.amount = amount
            self.tax = tax
            self.period = period
        }
    }

    public var issuerName: String
    public var issuerAddress: [String]
    public var customer: InvoiceCustomer
    /// The invoice number; "Draft" for a draft, which has none yet.
    public var number: String
    /// When it was finalized (its creation for a draft), `yyyy-MM-dd` UTC.
    public var issueDate: String
    public var dueDate: String?
    /// The billing period ("2026-01-15 – 2026-02-15"), when the invoice has one.
    public var period: String?
    public var lines: [Line]
    public var subtotal: String
    public var tax: String
    public var total: String
    public var amountDue: String
    /// ISO 4217, e.g. "EUR".
    public var currencyCode: String
    /// The exclusive tax rate, e.g. "20 %".
    public var taxRate: String
    public var status: Invoice.Status

    public init(invoice: Invoice, issuerName: String, issuerAddress: [String]) {
        self.issuerName = issuerName
        self.issuerAddress = issuerAddress
        self.customer = invoice.customer
        self.number = invoice.number ?? "Draft"
        self.issueDate = Self.day(invoice.finalizedAt ?? invoice.createdAt)
        self.dueDate = invoice.dueAt.map { Self.day($0) }
        self.period = Self.period(invoice.periodStart, invoice.periodEnd)
        self.lines = invoice.lines.map { line in
            Line(description: line.description, quantity: line.quantity, unitAmount: Self.money(line.unitAmount),
                 amount: Self.money(line.amount), tax: Self.money(line.tax),
                 period: Self.period(line.periodStart, line.periodEnd))
        }
        self.subtotal = Self.money(invoice.subtotal)
        self.tax = Self.money(invoice.tax)
        self.total = Self.money(invoice.total)
        self.amountDue = Self.money(invoice.amountDue)
        self.currencyCode = invoice.currency.code
        self.taxRate = Self.percent(basisPoints: invoice.taxRateBasisPoints)
        self.status = invoice.status
    }

    /// The status as the page shows it: "Open", "Paid", "Draft", …
    var statusText: String {
        let raw = status.rawValue
        return raw.prefix(1).uppercased() + String(raw.dropFirst())
    }

    // MARK: Formatting

    /// "1870.80 EUR": digits from the minor units, never through a floating-point value.
    static func money(_ money: Money) -> String {
        money.decimalString + " " + money.currency.code
    }

    /// `yyyy-MM-dd` in UTC, whatever the machine's time zone.
    static func day(_ date: Date) -> String {
        date.formatted(dayStyle)
    }

    private static let dayStyle = Date.ISO8601FormatStyle(timeZone: TimeZone(secondsFromGMT: 0)!).year().month().day()

    static func period(_ start: Date?, _ end: Date?) -> String? {
        switch (start, end) {
        case let (start?, end?): return "\(day(start)) – \(day(end))"
        case let (start?, nil): return "from \(day(start))"
        case let (nil, end?): return "until \(day(end))"
        case (nil, nil): return nil
        }
    }

    /// Basis points as a percentage with at most two decimals and no trailing zeros:
    /// 2000 → "20 %", 1950 → "19.5 %", 725 → "7.25 %", 5 → "0.05 %". Integers only.
    static func percent(basisPoints: Int) -> String {
        let sign = basisPoints < 0 ? "-" : ""
        let magnitude = basisPoints.magnitude
        let whole = magnitude / 100
        let hundredths = magnitude % 100
        let fraction: String
        if hundredths == 0 {
            fraction = ""
        } else if hundredths % 10 == 0 {
            fraction = ".\(hundredths / 10)"
        } else {
            fraction = hundredths < 10 ? ".0\(hundredths)" : ".\(hundredths)"
        }
        return "\(sign)\(whole)\(fraction) %"
    }
}
