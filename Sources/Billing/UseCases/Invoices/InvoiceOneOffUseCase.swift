import BillingAPI
import Kernel
import Storage

/// A one-off invoice for something bought outside the plan, once per source. The billing
/// profile's row is locked first, so two calls for one source take turns and the second finds
/// the first's invoice. The invoice is in the profile's currency (an order in another is
/// refused), taxed at its rate, discounted by a coupon when one is given (redeemed for the
/// source, in the same transaction), and — with a card on file — charged by the collector's next
/// pass unless the buyer pays at once (`PayOneOffUseCase`).
struct InvoiceOneOffUseCase {
    let db: Database
    let policy: BillingPolicy

    func callAsFunction(_ principal: Principal, source: String, currency: Currency, items: [OneOffItem],
                        coupon code: String?) async throws -> Invoice {
        guard !items.isEmpty, items.allSatisfy({ $0.quantity > 0 && $0.unitAmount.isPositive && $0.unitAmount.currency == currency }) else {
            throw AppError.validation([FieldError(field: "lines", code: "invalid_lines", message: "Invoice at least one line with a positive price.")])
        }
        return try await db.tenant(principal.tenantID) { tx in
            guard let profile = try await ProfileRows.find(in: tx, lock: true) else {
                throw AppError(.subscriptionNotFound, "This organisation has no billing profile yet; try again in a moment.")
            }
            if let existing = try await CollectionRows.invoice(source: source, in: tx), let invoice = try await InvoiceRows.find(existing, in: tx) {
                return invoice
            }
            guard profile.currency == currency else {
                throw AppError.validation([FieldError(field: "currency", code: "currency_mismatch",
                                                      message: "Orders are invoiced in your billing currency, \(profile.currency.code).")])
            }
            var lines = try items.map { item in
                try InvoiceLineDraft(kind: .item, description: item.description, quantity: Int64(item.quantity), unitAmount: item.unitAmount)
            }
            if let code {
                let coupon = try await RedeemCouponStep()(code: code, source: source, currency: currency, in: tx)
                let base = try lines.reduce(Money.zero(currency)) { try $0.adding($1.amount) }
                if let discount = try CouponDiscount.line(coupon, base: base) { lines.append(discount) }
            }
            let draft = try InvoiceDraft(lines: lines, currency: currency, taxRateBasisPoints: profile.taxRateBasisPoints)
            let invoice = try await IssueInvoiceStep(policy: policy)(draft, reason: .manual, subscription: nil, period: nil, profile: profile,
                                                                     requestID: principal.requestID, actor: principal.userID, in: tx)
            try await CollectionRows.setSource(invoice.id, source, in: tx)
            return invoice
        }
    }
}
