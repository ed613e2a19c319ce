import BillingAPI
import Foundation
import Kernel

/// An invoice before it is saved: lines, totals and tax, computed once for a preview and for
/// the invoice that follows.
struct InvoiceDraft: Equatable, Sendable {
    let currency: Currency
    let lines: [InvoiceLine]
    let totals: InvoiceTotals
    let taxRateBasisPoints: Int

    init(lines drafts: [InvoiceLineDraft], currency: Currency, taxRateBasisPoints: Int) throws {
        let totals = try InvoiceTotals.compute(lines: drafts, currency: currency, taxRateBasisPoints: Int64(taxRateBasisPoints))
        self.currency = currency
        self.totals = totals
        self.taxRateBasisPoints = taxRateBasisPoints
        lines = zip(drafts, totals.lineTaxes).map { draft, tax in
            InvoiceLine(kind: InvoiceLine.Kind(draft.kind), description: draft.description, quantity: Int(draft.quantity),
                        unitAmount: draft.unitAmount, amount: draft.amount, tax: tax,
                        periodStart: draft.periodStart, periodEnd: draft.periodEnd)
        }
    }

    /// What is owed before any customer balance: the total, or nothing when credits outweigh
    /// charges (a negative total is not a payment to the customer).
    var amountDue: Money { totals.total.isNegative ? .zero(currency) : totals.total }

    /// How much of `balance` (credit from credit notes) this invoice consumes: as much as is
    /// owed, in the invoice's currency only. The one rule for the preview and the invoice.
    func balanceApplied(from balance: Money) throws -> Money {
        guard balance.currency == currency, balance.isPositive else { return .zero(currency) }
        return try balance.isLess(than: amountDue) ? balance : amountDue
    }

    /// The invoice as it would be issued now, with `balance` spent first.
    func preview(balance: Money) throws -> InvoiceDraftPreview {
        InvoiceDraftPreview(lines: lines, subtotal: totals.subtotal, tax: totals.tax, total: totals.total,
                            amountDue: try amountDue.subtracting(try balanceApplied(from: balance)))
    }
}

extension InvoiceLine.Kind {
    init(_ kind: InvoiceLineDraft.Kind) {
        switch kind {
        case .subscription: self = .subscription
        case .proration: self = .proration
        case .item: self = .item
        case .discount: self = .discount
        }
    }
}
