import BillingAPI
import Foundation
import Kernel

/// What a coupon takes off one invoice, and whether that invoice is its last.
///
/// - On a subscription's invoice the discount applies to its subscription lines (the plan's
///   price for the period), not to prorations; on a one-off invoice issued with the coupon (an
///   order), to its items.
/// - A percentage is `base × basis points ÷ 10,000`, rounded once, half away from zero.
/// - A fixed amount is taken off in its own currency only, and never more than the base: a
///   discount does not make an invoice negative.
/// - `once` covers one invoice, `repeating` as many as its periods, `forever` every one.
enum CouponDiscount {
    static func line(_ coupon: Coupon, base: Money) throws -> InvoiceLineDraft? {
        guard base.isPositive else { return nil }
        let off: Money
        if let basisPoints = coupon.percentOffBasisPoints {
            off = try base.multiplied(by: Int64(basisPoints), dividedBy: 10_000)
        } else if let amount = coupon.amountOff, amount.currency == base.currency {
            off = try amount.isLess(than: base) ? amount : base
        } else {
            return nil
        }
        guard off.isPositive else { return nil }
        return try InvoiceLineDraft(kind: .discount, description: "\(coupon.name) (\(coupon.code))", unitAmount: try off.negated())
    }

    /// Whether the invoice that used it as its `periodsApplied + 1`-th was the coupon's last.
    static func endsAfter(_ coupon: Coupon, periodsApplied: Int) -> Bool {
        switch coupon.duration {
        case .once: true
        case .repeating: periodsApplied + 1 >= (coupon.durationPeriods ?? 1)
        case .forever: false
        }
    }
}
