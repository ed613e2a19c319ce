import Foundation
import Kernel

/// What a plan change in the middle of a period costs, to the second: a credit for the unused
/// part of the old price and a charge for the same part at the new price.
///
/// Rules:
/// - The unused time is `periodEnd − changeAt` in whole seconds, rounded down (a second
///   already begun counts as used), and clamped to the period: a change at or after the end
///   leaves nothing unused, and a change before the start (a change dated back, or a
///   scheduler catching up) counts as the whole period.
/// - `credit = −(oldPrice × unused / period)` and `charge = newPrice × unused / period`, each
///   with `Money.multiplied(by:dividedBy:)`: exact, then rounded once, half away from zero
///   (architecture note 35). Two roundings, one per invoice line, never one per day or second.
/// - The credit is never positive and the charge never negative (for non-negative prices),
///   neither exceeds its price, and changing to the same price nets exactly zero, because the
///   rounding is symmetric about zero.
///
/// Worked example: a 30-day month (2,592,000 s) at 30.00 USD changed to 60.00 USD with 10 days
/// (864,000 s) left gives credit −(30.00 × 864,000 / 2,592,000) = −10.00 and charge
/// 60.00 × 864,000 / 2,592,000 = +20.00, so the customer owes net +10.00 now.
///
/// Why seconds and not days: a change at 23:59 and one at 00:01 are not worth the same, and
/// counting days would make the answer depend on a time zone.
struct Proration: Equatable, Sendable {
    /// Minus the unused part of the old price: zero or negative.
    let credit: Money
    /// The unused part of the new price: zero or positive.
    let charge: Money
    /// Whole seconds from the change to the end of the period, within `0...periodSeconds`.
    let unusedSeconds: Int64
    /// Whole seconds in the period, at least one.
    let periodSeconds: Int64

    /// What the change costs now: `credit + charge`, negative for a downgrade.
    var net: Money { credit + charge }

    /// The proration of a change from `oldPrice` to `newPrice` (each the price of one whole
    /// period) at `changeAt`, in the period `periodStart..<periodEnd`.
    ///
    /// Throws `MoneyError.currencyMismatch` when the prices differ in currency (a change of
    /// currency is a new subscription, not a proration), `ProrationError.emptyPeriod` when the
    /// period is not at least one second long, and `MoneyError.overflow` only for prices near
    /// the limits of `Int64`.
    static func compute(
        oldPrice: Money, newPrice: Money, periodStart: Date, periodEnd: Date, changeAt: Date
    ) throws -> Proration {
        guard oldPrice.currency == newPrice.currency else {
            throw MoneyError.currencyMismatch(oldPrice.currency, newPrice.currency)
        }
        let periodSeconds = wholeSeconds(periodEnd.timeIntervalSince(periodStart))
        guard periodSeconds > 0 else { throw ProrationError.emptyPeriod }
        let unused = min(max(wholeSeconds(periodEnd.timeIntervalSince(changeAt)), 0), periodSeconds)
        // −(x rounded) equals (−x) rounded, since rounding is half away from zero.
        let credit = try oldPrice.multiplied(by: unused, dividedBy: periodSeconds).negated()
        let charge = try newPrice.multiplied(by: unused, dividedBy: periodSeconds)
        return Proration(credit: credit, charge: charge, unusedSeconds: unused, periodSeconds: periodSeconds)
    }

    /// Whole seconds in `interval`, rounded down. The one floating-point value in Billing is
    /// this one: time, as Foundation's `Date` measures it, turned into integer seconds here;
    /// amounts never touch it (`Money.multiplied(by:dividedBy:)` works on those integers).
    ///
    /// The interval is first rounded to the microsecond, the resolution PostgreSQL stores:
    /// `Date` is a binary fraction of seconds since 2001, so two instants a whole number of
    /// seconds apart can differ by 2,591,999.9999999 and would otherwise lose a second.
    /// Absurd intervals (beyond ±290,000 years) are clamped, not trapped on.
    static func wholeSeconds(_ interval: TimeInterval) -> Int64 {
        precondition(interval.isFinite, "Proration: the interval between two dates is \(interval)")
        let limit = 9.0e18  // below Int64.max, and exactly representable as a Double
        let micros = Int64(min(max((interval * 1_000_000).rounded(), -limit), limit))
        // Floor division: Int64's `/` truncates toward zero.
        let (quotient, remainder) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        return remainder < 0 ? quotient - 1 : quotient
    }
}

/// Why a proration could not be computed.
enum ProrationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The period ends before, at, or less than a second after its start: there is nothing
    /// to divide by.
    case emptyPeriod

    var description: String {
        switch self {
        case .emptyPeriod: "The billing period must be at least one second long to prorate a change."
        }
    }
}
