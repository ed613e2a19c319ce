import Foundation
import Kernel
import PropertyBased
import Testing

@Suite("Money and Currency")
struct MoneyTests {
    static func usd(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .usd) }
    static let clf = Currency(code: "CLF")!

    // MARK: Currency

    @Test("ISO 4217 exponents: none for JPY and KRW, 2 for USD, 3 for BHD, 4 for CLF")
    func exponents() {
        #expect([Currency.jpy, .krw, .usd, .bhd, Self.clf].map(\.exponent) == [0, 0, 2, 3, 4])
        #expect([Currency.jpy, .usd, .bhd, Self.clf].map(\.minorUnitScale) == [1, 100, 1_000, 10_000])
        let expected: [Int: [String]] = [
            0: ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"],
            2: ["USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN",
                "TRY", "BRL", "MXN", "INR", "CNY", "HKD", "SGD", "ZAR", "ILS", "AED", "SAR", "THB", "MYR", "IDR", "PHP", "TWD"],
            3: ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"],
            4: ["CLF", "UYW"],
        ]
        for (exponent, codes) in expected {
            for code in codes { #expect(Currency(code: code)?.exponent == exponent, "\(code)") }
        }
        #expect(Currency.all.count > 150)
        #expect(Currency.all.map(\.code) == Currency.all.map(\.code).sorted())
    }

    @Test("codes are matched case-insensitively and stored uppercase; unknown or malformed codes are nil")
    func codes() {
        #expect(Currency(code: "usd") == .usd)
        #expect(Currency(code: "eUr") == .eur)
        #expect(Currency(code: "gbp")?.code == "GBP")
        #expect(Currency.jpy.description == "JPY")
        for bad in ["ABC", "XAU", "HRK", "US", "USDD", "", "US ", "U$D", "ıNR", "ＵＳＤ"] {
            #expect(Currency(code: bad) == nil, "\(bad)")
        }
    }

    @Test("a currency is encoded as its bare code; decoding an unknown code throws instead of defaulting")
    func currencyCodable() throws {
        #expect(String(decoding: try JSONEncoder().encode([Currency.bhd]), as: UTF8.self) == #"["BHD"]"#)
        #expect(try JSONDecoder().decode([Currency].self, from: Data(#"["usd","JPY"]"#.utf8)) == [.usd, .jpy])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Currency].self, from: Data(#"["ABC"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Currency].self, from: Data(#"[""]"#.utf8)) }
    }

    // MARK: Arithmetic

    @Test("amounts in different currencies neither combine nor compare")
    func currencyMismatch() {
        let dollars = Self.usd(100), euros = Money(minorUnits: 100, currency: .eur)
        #expect(throws: MoneyError.currencyMismatch(.usd, .eur)) { try dollars.adding(euros) }
        #expect(throws: MoneyError.currencyMismatch(.eur, .usd)) { try euros.subtracting(dollars) }
        #expect(throws: MoneyError.currencyMismatch(.usd, .eur)) { try dollars.isLess(than: euros) }
        #expect(throws: MoneyError.currencyMismatch(.usd, .eur)) { try Money.sum([dollars, euros], currency: .usd) }
        #expect(throws: MoneyError.currencyMismatch(.jpy, .usd)) { try Money.sum([dollars], currency: .jpy) }
    }

    @Test("the throwing variants report overflow instead of wrapping")
    func overflow() throws {
        #expect(throws: MoneyError.overflow) { try Self.usd(.max).adding(Self.usd(1)) }
        #expect(throws: MoneyError.overflow) { try Self.usd(.min).subtracting(Self.usd(1)) }
        #expect(throws: MoneyError.overflow) { try Self.usd(.max / 2 + 1).multiplied(by: 2) }
        #expect(throws: MoneyError.overflow) { try Self.usd(.min).negated() }
        #expect(throws: MoneyError.overflow) { try Money.sum([Self.usd(.max), Self.usd(1)], currency: .usd) }
        #expect(try Self.usd(.max).adding(Self.usd(-1)) == Self.usd(.max - 1))
        #expect(try Self.usd(.max).negated() == Self.usd(-.max))
    }

    @Test("arithmetic, operators, sum, comparison and sign")
    func arithmetic() throws {
        #expect(try Self.usd(150).adding(Self.usd(-50)) == Self.usd(100))
        #expect(try Self.usd(150).subtracting(Self.usd(200)) == Self.usd(-50))
        #expect(try Self.usd(1999).multiplied(by: 3) == Self.usd(5997))
        #expect(Self.usd(150) + Self.usd(-50) == Self.usd(100))
        #expect(Self.usd(150) - Self.usd(200) == Self.usd(-50))
        #expect(-Self.usd(5) == Self.usd(-5))
        #expect(Self.usd(1999) * 3 == Self.usd(5997))
        #expect(try Money.sum([Self.usd(1), Self.usd(2), Self.usd(3)], currency: .usd) == Self.usd(6))
        #expect(try Money.sum([Money](), currency: .bhd) == .zero(.bhd))
        #expect(try Self.usd(1).isLess(than: Self.usd(2)))
        #expect(try !Self.usd(2).isLess(than: Self.usd(2)))
        #expect(Money.zero(.usd).isZero && !Money.zero(.usd).isNegative && !Money.zero(.usd).isPositive)
        #expect(Self.usd(-1).isNegative && Self.usd(1).isPositive)
        #expect(Money.zero(.usd) != Money.zero(.eur))
    }

    @Test("the operators stop the process on mixed currencies and on overflow")
    func operatorsTrap() async {
        await #expect(processExitsWith: .failure) {
            _ = Money(minorUnits: 1, currency: .usd) + Money(minorUnits: 1, currency: .eur)
        }
        await #expect(processExitsWith: .failure) {
            _ = Money(minorUnits: .max, currency: .usd) + Money(minorUnits: 1, currency: .usd)
        }
    }

    // MARK: Rounding

    @Test("fractions round half away from zero")
    func roundingHalfAwayFromZero() throws {
        let cases: [(minorUnits: Int64, numerator: Int64, denominator: Int64, expected: Int64)] = [
            (5, 1, 2, 3), (-5, 1, 2, -3), (25, 1, 10, 3), (24, 1, 10, 2), (-24, 1, 10, -2), (-25, 1, 10, -3),
            (26, 1, 10, 3), (-26, 1, 10, -3), (5, -1, 2, -3), (5, 1, -2, -3), (-5, -1, 2, 3), (1, 1, 3, 0), (2, 1, 3, 1),
            (0, 7, 9, 0), (1999, 15, 100, 300),  // a 15% coupon: 299.85 cents
            (1999, 1_296_000, 2_592_000, 1000),  // half of a 30-day period: 999.5 cents
        ]
        for c in cases {
            let result = try Self.usd(c.minorUnits).multiplied(by: c.numerator, dividedBy: c.denominator)
            #expect(result == Self.usd(c.expected), "\(c.minorUnits) × \(c.numerator) / \(c.denominator)")
        }
    }

    @Test("the intermediate product is 128 bits wide, so only the result can overflow")
    func roundingWithoutIntermediateOverflow() throws {
        #expect(try Self.usd(.max).multiplied(by: .max - 1, dividedBy: .max) == Self.usd(.max - 1))
        #expect(try Self.usd(.max).multiplied(by: 3_000_000_000, dividedBy: 6_000_000_000) == Self.usd(4_611_686_018_427_387_904))
        #expect(try Self.usd(.min).multiplied(by: .max, dividedBy: .max) == Self.usd(.min))
        #expect(try Self.usd(.min).multiplied(by: .min, dividedBy: .min) == Self.usd(.min))
        #expect(try Self.usd(.max).multiplied(by: .max, dividedBy: .min) == Self.usd(-.max + 1))  // -(2^63 - 2 + 2^-63)
        #expect(throws: MoneyError.overflow) { try Self.usd(.max).multiplied(by: 2, dividedBy: 1) }
        #expect(throws: MoneyError.overflow) { try Self.usd(.min).multiplied(by: -1, dividedBy: 1) }
        #expect(throws: MoneyError.divisionByZero) { try Self.usd(1).multiplied(by: 1, dividedBy: 0) }
    }

    static let small = Gen.int64(in: -(1 << 20)...(1 << 20))
    /// Mostly tiny denominators, so exact halves (the case the rounding rule decides) come up often.
    static let denominator = Gen.oneOf(Gen.int64(in: -4...4), MoneyTests.small)

    @Test("property: multiplied(by:dividedBy:) agrees with a simple reference for small values")
    func roundingProperty() async {
        await propertyCheck(count: 500, input: Self.small, Self.small, Self.denominator) { amount, numerator, denominator in
            guard denominator != 0 else { return }
            // round_half_away(p / d) = sign(p / d) × ⌊(2|p| + |d|) / 2|d|⌋; here 2|p| + |d| < 2^42.
            let product = amount * numerator
            let magnitude = (2 * abs(product) + abs(denominator)) / (2 * abs(denominator))
            let expected = (product < 0) != (denominator < 0) ? -magnitude : magnitude
            let result = try Self.usd(amount).multiplied(by: numerator, dividedBy: denominator)
            #expect(result == Self.usd(expected))
        }
    }

    // MARK: Allocation

    @Test("allocation loses nothing and gives leftover minor units to the largest remainders")
    func allocation() throws {
        #expect(Self.usd(1000).split(into: 3).map(\.minorUnits) == [334, 333, 333])
        #expect(Self.usd(-1000).split(into: 3).map(\.minorUnits) == [-334, -333, -333])
        #expect(Self.usd(2).split(into: 3).map(\.minorUnits) == [1, 1, 0])
        #expect(Self.usd(7).split(into: 1) == [Self.usd(7)])
        #expect(Self.usd(.min).split(into: 2).map(\.minorUnits) == [Int64.min / 2, Int64.min / 2])
        #expect(Self.usd(.max).split(into: 2).map(\.minorUnits) == [Int64.max / 2 + 1, Int64.max / 2])
        #expect(try Self.usd(100).allocate([1, 2]).map(\.minorUnits) == [33, 67])
        #expect(try Self.usd(100).allocate([1, 0, 1]).map(\.minorUnits) == [50, 0, 50])
        #expect(try Self.usd(5).allocate([70, 20, 10]).map(\.minorUnits) == [4, 1, 0])
        #expect(try Self.usd(-5).allocate([70, 20, 10]).map(\.minorUnits) == [-4, -1, 0])
        #expect(try Self.usd(.max).allocate([.max, .max, .max]).map(\.minorUnits) == [3_074_457_345_618_258_603, 3_074_457_345_618_258_602, 3_074_457_345_618_258_602])
        for ratios: [Int64] in [[], [0], [0, 0], [-1, 2]] {
            #expect(throws: MoneyError.invalidRatios) { try Self.usd(100).allocate(ratios) }
        }
    }

    static let anyAmount = Gen.oneOf(Gen.int64(), Gen.int64(in: -1_000...1_000))

    @Test("property: split(into:) sums to the original and its parts differ by at most one minor unit")
    func splitProperty() async {
        await propertyCheck(count: 500, input: Self.anyAmount, Gen.int(in: 1...50)) { amount, parts in
            let money = Self.usd(amount)
            let split = money.split(into: parts)
            #expect(split.count == parts)
            #expect(try Money.sum(split, currency: .usd) == money)
            let units = split.map(\.minorUnits)
            let highest = try #require(units.max()), lowest = try #require(units.min())
            #expect(highest - lowest <= 1)
            #expect(split.allSatisfy { amount < 0 ? !$0.isPositive : !$0.isNegative })
        }
    }

    @Test("property: allocate(_:) sums to the original and each part is within one minor unit of its share")
    func allocateProperty() async {
        let ratioLists = Gen.oneOf(Gen.int64(in: 0...3), Gen.int64(in: 0...(1 << 56))).array(of: 1...20)
        await propertyCheck(count: 500, input: Self.anyAmount, ratioLists) { amount, ratios in
            let money = Self.usd(amount)
            guard ratios.contains(where: { $0 > 0 }) else {
                #expect(throws: MoneyError.invalidRatios) { try money.allocate(ratios) }
                return
            }
            let parts = try money.allocate(ratios)
            #expect(parts.count == ratios.count)
            #expect(try Money.sum(parts, currency: .usd) == money)
            // |part − amount × ratio / total| < 1, multiplied out by total.
            let total = ratios.reduce(Int128(0)) { $0 + Int128($1) }
            for index in ratios.indices {
                let error = Int128(parts[index].minorUnits) * total - Int128(amount) * Int128(ratios[index])
                #expect(error.magnitude < total.magnitude, "part \(index)")
            }
        }
    }

    // MARK: Decimal text

    @Test("decimal text round-trips with exactly the currency's fraction digits")
    func decimalText() throws {
        let cases: [(text: String, currency: Currency, minorUnits: Int64)] = [
            ("12.34", .usd, 1234), ("-12.34", .usd, -1234), ("-0.05", .usd, -5), ("0.00", .usd, 0),
            ("1000", .jpy, 1000), ("-7", .krw, -7), ("1.234", .bhd, 1234), ("0.0001", Self.clf, 1),
            ("92233720368547758.07", .usd, .max), ("-92233720368547758.08", .usd, .min),
        ]
        for c in cases {
            let money = try Money(decimal: c.text, currency: c.currency)
            #expect(money == Money(minorUnits: c.minorUnits, currency: c.currency), "\(c.text)")
            #expect(money.decimalString == c.text)
        }
        #expect(try Money(decimal: "1.2", currency: .usd).minorUnits == 120)
        #expect(try Money(decimal: "1.2", currency: .usd).decimalString == "1.20")
        #expect(try Money(decimal: "7", currency: .bhd).decimalString == "7.000")
        #expect(try Money(decimal: "007.5", currency: .usd).minorUnits == 750)
        #expect(try Money(decimal: "-0", currency: .usd) == .zero(.usd))
        #expect(Self.usd(1234).description == "12.34 USD")
        #expect(Self.usd(-5).description == "-0.05 USD")
        #expect(Money(minorUnits: 1000, currency: .jpy).description == "1000 JPY")
    }

    @Test("more fraction digits than the currency has is refused, not rounded")
    func tooPrecise() {
        let cases: [(text: String, currency: Currency)] = [("1.234", .usd), ("1.5", .jpy), ("1.0", .jpy), ("1.2345", .bhd), ("0.001", .usd)]
        for (text, currency) in cases {
            #expect(throws: MoneyError.tooPrecise(text)) { try Money(decimal: text, currency: currency) }
        }
    }

    @Test("anything but [-]digits[.digits] is refused, including \"1.\" and \".5\"")
    func invalidText() {
        let junk = ["", "-", "1.", ".5", "-.5", "1e3", "1,00", " 1", "1 ", "+1", "--1", "1.2.3", "0x10", "1_000",
                    "１", "NaN", "1.5x", "12.34 USD"]
        for text in junk {
            #expect(throws: MoneyError.invalidAmount(text)) { try Money(decimal: text, currency: .usd) }
        }
    }

    @Test("amounts outside Int64 minor units are refused")
    func textOverflow() {
        for text in ["92233720368547758.08", "-92233720368547758.09", "99999999999999999999999999999999999999999"] {
            #expect(throws: MoneyError.overflow) { try Money(decimal: text, currency: .usd) }
        }
        #expect(throws: MoneyError.overflow) { try Money(decimal: "922337203685477.5808", currency: Self.clf) }
    }

    static let currencies: [Currency] = [.jpy, .krw, .usd, .eur, .bhd, MoneyTests.clf]
    static let someCurrency = Gen.int(in: 0...(currencies.count - 1)).map { MoneyTests.currencies[$0] }

    @Test("property: parsing the formatted text gives back the same amount")
    func decimalRoundTripProperty() async {
        await propertyCheck(count: 500, input: Self.anyAmount, Self.someCurrency) { amount, currency in
            let money = Money(minorUnits: amount, currency: currency)
            let parsed = try Money(decimal: money.decimalString, currency: currency)
            #expect(parsed == money)
        }
    }

    // MARK: JSON

    @Test("JSON is {\"amount\": minor units, \"currency\": code}")
    func json() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(Money(minorUnits: -1999, currency: .eur)), as: UTF8.self)
        #expect(json == #"{"amount":-1999,"currency":"EUR"}"#)
        let decoded = try JSONDecoder().decode(Money.self, from: Data(#"{"currency":"BHD","amount":1234}"#.utf8))
        #expect(decoded == Money(minorUnits: 1234, currency: .bhd))
        for bad in [#"{"amount":1,"currency":"ABC"}"#, #"{"amount":12.5,"currency":"USD"}"#, #"{"amount":1}"#,
                    #"{"amount":"1","currency":"USD"}"#, #"{"amount":9223372036854775808,"currency":"USD"}"#] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONDecoder().decode(Money.self, from: Data(bad.utf8)) }
        }
    }

    // MARK: Properties of addition

    static let bound: Int64 = 1 << 40
    static let bounded = Gen.int64(in: -MoneyTests.bound...MoneyTests.bound).map { Money(minorUnits: $0, currency: .usd) }

    @Test("property: addition is associative and commutative, and a − a is zero")
    func additionLaws() async {
        await propertyCheck(count: 500, input: Self.bounded, Self.bounded, Self.bounded) { a, b, c in
            #expect((a + b) + c == a + (b + c))
            let leftFirst = try a.adding(b).adding(c), rightFirst = try a.adding(b.adding(c))
            #expect(leftFirst == rightFirst)
            let ab = try a.adding(b), ba = try b.adding(a)
            #expect(ab == ba)
            #expect(a - a == .zero(.usd))
            let difference = try a.subtracting(a), back = try a.subtracting(b).adding(b)
            #expect(difference.isZero)
            #expect(back == a)
        }
    }
}
