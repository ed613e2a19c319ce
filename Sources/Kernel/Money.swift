/// An exact amount of one currency, counted in its minor unit (cents, yen, fils).
///
/// Integers only: binary floating point cannot hold 0.10 exactly, and every conversion is a
/// chance to lose a cent. Amounts of different currencies never combine or compare silently.
///
/// ```swift
/// let price = try Money(decimal: "19.99", currency: .usd)          // 1999 minor units
/// let total = try price.multiplied(by: 3).adding(Money(minorUnits: 500, currency: .usd))
/// total.description                                                // "64.97 USD"
/// ```
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The amount in the currency's minor unit: 1999 is 19.99 USD, 1999 JPY, 1.999 BHD.
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }
    public var isPositive: Bool { minorUnits > 0 }

    public var description: String { "\(decimalString) \(currency.code)" }

    // MARK: Checked arithmetic (throws)

    /// The sum; throws on mixed currencies or when the result does not fit in Int64.
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow }
        return Money(minorUnits: sum, currency: currency)
    }

    /// The difference; throws on mixed currencies or when the result does not fit in Int64.
    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow }
        return Money(minorUnits: difference, currency: currency)
    }

    /// The opposite amount (a refund of a charge); throws only for `Int64.min` minor units.
    public func negated() throws(MoneyError) -> Money {
        try multiplied(by: -1)
    }

    /// The amount times a whole quantity (a line of `quantity` units at this unit price).
    public func multiplied(by quantity: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: quantity)
        if overflow { throw .overflow }
        return Money(minorUnits: product, currency: currency)
    }

    /// `self × numerator / denominator`, rounded half away from zero (2.5 → 3, -2.5 → -3).
    ///
    /// The only place a fraction of a minor unit is rounded, so proration (seconds used over
    /// seconds in the period) and percentage coupons (percent over 100) round the same way.
    /// It is applied once per invoice line, to the line's amount; rounding each unit and then
    /// summing would drift. The product is formed in 128 bits, so it cannot overflow before the
    /// division; only a result outside Int64 throws `.overflow`. A negative denominator is
    /// allowed and flips the sign.
    public func multiplied(by numerator: Int64, dividedBy denominator: Int64) throws(MoneyError) -> Money {
        guard denominator != 0 else { throw .divisionByZero }
        // |product| ≤ 2^126, and every step below stays well inside Int128.
        let product = Int128(minorUnits) * Int128(numerator)
        let divisor = Int128(denominator)
        var quotient = product / divisor   // truncates toward zero
        let remainder = product % divisor  // same sign as `product`
        if 2 * remainder.magnitude >= divisor.magnitude {
            quotient += (product < 0) == (divisor < 0) ? 1 : -1
        }
        guard let result = Int64(exactly: quotient) else { throw .overflow }
        return Money(minorUnits: result, currency: currency)
    }

    /// `self < other`, for one currency only: across currencies there is no answer without an
    /// exchange rate, which is why Money is not `Comparable`.
    public func isLess(than other: Money) throws(MoneyError) -> Bool {
        try requireSameCurrency(other)
        return minorUnits < other.minorUnits
    }

    /// The total of `amounts`, all of which must be in `currency`; zero for none.
    ///
    /// The currency is a parameter so an empty list still has one, and so one stray amount in
    /// another currency throws instead of deciding the total's currency.
    public static func sum(_ amounts: some Sequence<Money>, currency: Currency) throws(MoneyError) -> Money {
        var total = Money.zero(currency)
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    private func requireSameCurrency(_ other: Money) throws(MoneyError) {
        if currency != other.currency { throw .currencyMismatch(currency, other.currency) }
    }

    // MARK: Trapping operators

    // For amounts the code itself controls. Like Int's operators they stop the process on
    // overflow, and they also stop it on mixed currencies; use the throwing methods for
    // anything that comes from input.

    /// Traps on mixed currencies and on overflow.
    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "Money: adding \(rhs.currency) to \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    /// Traps on mixed currencies and on overflow.
    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "Money: subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    /// Traps for `Int64.min` minor units, whose opposite does not fit.
    public static prefix func - (operand: Money) -> Money {
        Money(minorUnits: -operand.minorUnits, currency: operand.currency)
    }

    /// Traps on overflow.
    public static func * (lhs: Money, quantity: Int64) -> Money {
        Money(minorUnits: lhs.minorUnits * quantity, currency: lhs.currency)
    }

    // MARK: Allocation

    /// Splits the amount in proportion to `ratios`, losing nothing: the parts sum exactly to
    /// `self`.
    ///
    /// Each part gets the whole minor units of its share; the few left over go one each to the
    /// parts with the largest fractional remainders (the earlier part on a tie), so every part
    /// is within one minor unit of its exact share and a part with ratio 0 gets nothing. A
    /// negative amount is split like its magnitude and negated: no part is positive.
    /// Throws `.invalidRatios` if `ratios` is empty, has a negative entry or is all zeros.
    public func allocate(_ ratios: [Int64]) throws(MoneyError) -> [Money] {
        guard !ratios.isEmpty, ratios.allSatisfy({ $0 >= 0 }) else { throw .invalidRatios }
        // 128 bits: the total of many large ratios, and magnitude × ratio, do not fit in 64.
        let total = ratios.reduce(Int128(0)) { $0 + Int128($1) }
        guard total > 0 else { throw .invalidRatios }
        let magnitude = Int128(minorUnits.magnitude)
        var shares = ratios.map { magnitude * Int128($0) / total }
        let remainders = ratios.map { magnitude * Int128($0) % total }
        // Fewer than ratios.count, and every one of them goes to a part with a non-zero remainder.
        let leftover = magnitude - shares.reduce(0, +)
        let byRemainder = remainders.indices.sorted { remainders[$0] > remainders[$1] || (remainders[$0] == remainders[$1] && $0 < $1) }
        for index in byRemainder.prefix(Int(leftover)) { shares[index] += 1 }
        // Each share is at most the magnitude, so it fits in Int64 with the amount's sign.
        return shares.map { share in
            Money(minorUnits: Int64(minorUnits < 0 ? -share : share), currency: currency)
        }
    }

    /// Splits the amount into `parts` amounts that differ by at most one minor unit and sum
    /// exactly to `self` (10.00 into 3 is 3.34, 3.33, 3.33: the earlier parts take the extra).
    /// Traps unless `parts` ≥ 1: the number of parts comes from code, not from input.
    public func split(into parts: Int) -> [Money] {
        precondition(parts >= 1, "Money.split(into:) needs at least one part, got \(parts)")
        // Equal ratios cannot be rejected, and give each leftover unit to the earliest parts.
        do {
            return try allocate([Int64](repeating: 1, count: parts))
        } catch {
            preconditionFailure("allocate refused equal ratios: \(error)")
        }
    }

    // MARK: Codable, Stripe-like: {"amount": 1999, "currency": "USD"}

    private enum CodingKeys: String, CodingKey {
        case minorUnits = "amount"
        case currency
    }
}

/// Why a Money operation refused: each case is a caller's mistake or bad input, never rounding.
public enum MoneyError: Error, Equatable, Sendable {
    /// The two amounts (in this order) are in different currencies.
    case currencyMismatch(Currency, Currency)
    /// The result does not fit in Int64 minor units.
    case overflow
    case divisionByZero
    /// The text is not a plain decimal amount ("1,00", "1e3", " 1", "1.").
    case invalidAmount(String)
    /// The text has more fraction digits than the currency ("1.234" USD, "1.5" JPY).
    case tooPrecise(String)
    /// Allocation ratios were empty, negative or all zero.
    case invalidRatios
}
