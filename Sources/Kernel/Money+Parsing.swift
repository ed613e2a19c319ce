// Decimal text in and out, digit by digit: no floating point and no locale, so "12.34" is
// 1234 cents on every machine and a round trip through text never changes an amount.

extension Money {
    /// Parses a plain decimal amount in the currency's major unit: "12.34", "-0.05", "1000".
    ///
    /// Accepted: an optional "-", one or more ASCII digits, then optionally "." and one to
    /// `currency.exponent` digits. Everything else is `.invalidAmount`: "", "-", "+1", " 1",
    /// "1,00", "1e3", and both "1." and ".5" (half-written numbers are more likely typos than
    /// intent). More fraction digits than the currency has ("1.234" USD, "1.5" or "1.0" JPY)
    /// is `.tooPrecise`, never rounded: input that names a fraction of a cent is refused, not
    /// guessed at. A value outside Int64 minor units is `.overflow`.
    public init(decimal text: String, currency: Currency) throws(MoneyError) {
        let zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")
        var bytes = text.utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }

        let integerDigits = bytes.prefix { zero <= $0 && $0 <= nine }
        var fractionDigits = bytes[bytes.endIndex...]
        let rest = bytes[integerDigits.endIndex...]
        if let first = rest.first {
            guard first == UInt8(ascii: "."), rest.count > 1 else { throw .invalidAmount(text) }
            fractionDigits = rest.dropFirst()
            guard fractionDigits.allSatisfy({ zero <= $0 && $0 <= nine }) else { throw .invalidAmount(text) }
        }
        guard !integerDigits.isEmpty else { throw .invalidAmount(text) }
        guard fractionDigits.count <= currency.exponent else { throw .tooPrecise(text) }

        // All digits as one integer, then scaled up for the fraction digits not written
        // ("1.2" USD is 12 × 10). 128 bits with an early exit keep long inputs from trapping.
        let limit = Int128(UInt64.max)
        var value: Int128 = 0
        for digit in [integerDigits, fractionDigits].joined() {
            value = value * 10 + Int128(digit - zero)
            if value > limit { throw .overflow }
        }
        for _ in fractionDigits.count..<currency.exponent { value *= 10 }
        guard let minorUnits = Int64(exactly: negative ? -value : value) else { throw .overflow }
        self.init(minorUnits: minorUnits, currency: currency)
    }

    /// The amount in the major unit with exactly `currency.exponent` fraction digits and no
    /// grouping: "12.34", "-0.05", "1000" (JPY), "1.234" (BHD). `init(decimal:currency:)`
    /// reads it back to the same amount.
    public var decimalString: String {
        // `magnitude` is unsigned, so Int64.min needs no special case.
        let magnitude = minorUnits.magnitude
        let scale = UInt64(currency.minorUnitScale)
        let sign = minorUnits < 0 ? "-" : ""
        let whole = String(magnitude / scale)
        guard currency.exponent > 0 else { return sign + whole }
        let fraction = String(magnitude % scale)
        let padding = String(repeating: "0", count: currency.exponent - fraction.count)
        return "\(sign)\(whole).\(padding)\(fraction)"
    }
}
