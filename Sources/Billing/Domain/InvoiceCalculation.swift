import Foundation
import Kernel

/// One line of an invoice being drafted: what is billed, how many, at what unit price.
///
/// The amount is computed once, in the initializer, as `unitAmount × quantity`, and throws on
/// overflow instead of trapping, because quantities can come from input (seats, usage). That
/// is why the quantity, unit amount and amount are constants: changing one alone would leave
/// the amount stale, so a different line is a new `InvoiceLineDraft`.
///
/// Credits are lines with a negative amount (a proration credit, a discount); they reduce the
/// subtotal and, being taxed like any line, the tax.
struct InvoiceLineDraft: Equatable, Sendable {
    /// What the line is for, as stored on the invoice line.
    enum Kind: String, Sendable, Codable, CaseIterable {
        /// The recurring price of a plan for one period.
        case subscription
        /// The credit or charge of a mid-period plan change (see `Proration`).
        case proration
        /// A one-off item.
        case item
        /// A reduction, as a negative amount.
        case discount
    }

    var kind: Kind
    /// The text the customer reads on the invoice.
    var description: String
    let quantity: Int64
    let unitAmount: Money
    /// The service period the line covers, when it covers one (subscription and proration).
    var periodStart: Date?
    var periodEnd: Date?
    /// `unitAmount × quantity`, in the unit amount's currency.
    let amount: Money

    /// Throws `MoneyError.overflow` when `unitAmount × quantity` does not fit in `Int64`.
    init(
        kind: Kind, description: String, quantity: Int64 = 1, unitAmount: Money,
        periodStart: Date? = nil, periodEnd: Date? = nil
    ) throws(MoneyError) {
        self.kind = kind
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        amount = try unitAmount.multiplied(by: quantity)
    }
}

/// The totals of an invoice with exclusive tax (added on top of the prices, as in the US or
/// for business customers in the EU).
///
/// Rules:
/// - Each line's tax is `line.amount × rate / 10,000` (the rate in basis points: 2,000 is
///   20%), rounded once per line, half away from zero, with `Money.multiplied(by:dividedBy:)`.
///   Rounding per line rather than on the subtotal is what makes each line's tax shown on the
///   invoice add up exactly to the tax total; the two can differ by a few minor units (three
///   lines of 0.05 at 10% have 0.01 tax each, 0.03 in all, where 10% of 0.15 would round to
///   0.02), and the invoice must agree with itself.
/// - `subtotal` is the sum of the line amounts, `tax` the sum of the line taxes, and
///   `total = subtotal + tax`; every line must be in the invoice's currency.
/// - A negative total (more credit than charges) is allowed here: it is a credit to the
///   customer. The amount due is `max(total − credits applied, 0)`, decided by the caller,
///   which carries whatever is left over as a credit balance; this type only adds up.
struct InvoiceTotals: Equatable, Sendable {
    /// The sum of the line amounts, before tax.
    let subtotal: Money
    /// The sum of `lineTaxes`.
    let tax: Money
    /// `subtotal + tax`; negative for a net credit.
    let total: Money
    /// The tax of each line, in the order of the lines, to store on the lines.
    let lineTaxes: [Money]

    /// The highest tax rate accepted, in basis points: 1,000%, far above any real rate, so what
    /// it refuses is a unit mistake (20% passed as 200,000 instead of 2,000).
    static let maximumTaxRateBasisPoints: Int64 = 100_000

    /// Adds up `lines` in `currency` with an exclusive tax of `taxRateBasisPoints`.
    ///
    /// Throws `InvoiceCalculationError.taxRateOutOfRange` for a rate outside 0...100,000,
    /// `MoneyError.currencyMismatch(currency, line's currency)` for a line in another
    /// currency, and `MoneyError.overflow` when a sum does not fit in `Int64`. No lines give
    /// zero totals.
    static func compute(lines: [InvoiceLineDraft], currency: Currency, taxRateBasisPoints: Int64) throws -> InvoiceTotals {
        guard (0...maximumTaxRateBasisPoints).contains(taxRateBasisPoints) else {
            throw InvoiceCalculationError.taxRateOutOfRange(basisPoints: taxRateBasisPoints)
        }
        var lineTaxes: [Money] = []
        lineTaxes.reserveCapacity(lines.count)
        for line in lines {
            guard line.amount.currency == currency else {
                throw MoneyError.currencyMismatch(currency, line.amount.currency)
            }
            lineTaxes.append(try line.amount.multiplied(by: taxRateBasisPoints, dividedBy: 10_000))
        }
        let subtotal = try Money.sum(lines.map(\.amount), currency: currency)
        let tax = try Money.sum(lineTaxes, currency: currency)
        return InvoiceTotals(subtotal: subtotal, tax: tax, total: try subtotal.adding(tax), lineTaxes: lineTaxes)
    }
}

/// Why invoice totals could not be computed, besides the `MoneyError`s of the arithmetic.
enum InvoiceCalculationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The tax rate, in basis points, is negative or above 100,000 (1,000%).
    case taxRateOutOfRange(basisPoints: Int64)

    var description: String {
        switch self {
        case let .taxRateOutOfRange(basisPoints):
            "The tax rate must be between 0 and \(InvoiceTotals.maximumTaxRateBasisPoints) basis points (0% to 1000%), not \(basisPoints)."
        }
    }
}
