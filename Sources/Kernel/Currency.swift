/// An ISO 4217 currency: its alphabetic code and how many decimal places its minor unit has.
///
/// Only codes in the table below can be made, so a typo ("UDS") or a withdrawn currency is
/// refused at the edge instead of being stored next to real money.
///
/// ```swift
/// Currency(code: "usd")?.exponent   // 2: amounts are counted in cents
/// Currency.jpy.minorUnitScale       // 1: yen have no minor unit
/// ```
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The uppercase, three-letter ISO 4217 code, e.g. "USD".
    public let code: String
    /// Digits after the decimal point (ISO 4217 "minor unit"): 2 for USD, 0 for JPY, 3 for BHD.
    public let exponent: Int

    private init(checkedCode code: String, exponent: Int) {
        self.code = code
        self.exponent = exponent
    }

    /// The currency with this code, in any letter case; nil for codes not in ISO 4217's active list.
    public init?(code: String) {
        // Stored codes are already uppercase: looked up as they are.
        if code.utf8.count == 3, code.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) {
            guard let exponent = Self.exponents[code] else { return nil }
            self.init(checkedCode: code, exponent: exponent)
            return
        }
        // ASCII only, by hand: `uppercased()` would map e.g. the dotless "ı" to "I".
        let bytes = Array(code.utf8)
        guard bytes.count == 3 else { return nil }
        var upper: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): upper.append(byte - 32)
            default: return nil
            }
        }
        let normalised = String(decoding: upper, as: UTF8.self)
        guard let exponent = Self.exponents[normalised] else { return nil }
        self.init(checkedCode: normalised, exponent: exponent)
    }

    /// 10^exponent: how many minor units make one major unit (100 cents in a dollar).
    public var minorUnitScale: Int64 {
        var scale: Int64 = 1
        for _ in 0..<exponent { scale *= 10 }
        return scale
    }

    public var description: String { code }

    // MARK: Codable, as the bare code ("USD")

    /// Unknown codes throw rather than fall back to a default: a guessed currency is a wrong amount.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let currency = Currency(code: raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Unknown ISO 4217 currency code \"\(raw)\".")
        }
        self = currency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }

    // MARK: Well-known currencies

    public static let usd = known("USD")
    public static let eur = known("EUR")
    public static let gbp = known("GBP")
    public static let chf = known("CHF")
    public static let cad = known("CAD")
    public static let aud = known("AUD")
    public static let jpy = known("JPY")
    public static let krw = known("KRW")
    public static let bhd = known("BHD")

    /// Every currency in the table, sorted by code.
    public static let all: [Currency] = exponents.keys.sorted().map(known)

    private static func known(_ code: String) -> Currency {
        guard let currency = Currency(code: code) else { preconditionFailure("\(code) is missing from the ISO 4217 table") }
        return currency
    }

    // MARK: The ISO 4217 table

    /// ISO 4217's minor-unit column, not what a payment provider happens to accept: Stripe, for
    /// one, treats ISK and UGX specially. Funds codes in active use (BOV, CHE, CHW, CLF, COU,
    /// MXV, USN, UYI, UYW) are included; precious metals, SDR and test codes (XAU, XDR, XTS...)
    /// have no minor unit and are left out.
    private static let exponents: [String: Int] = {
        var table: [String: Int] = [:]
        for code in zeroDecimal { table[code] = 0 }
        for code in twoDecimal { table[code] = 2 }
        for code in threeDecimal { table[code] = 3 }
        for code in fourDecimal { table[code] = 4 }
        return table
    }()

    private static let zeroDecimal = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ]

    private static let threeDecimal = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    private static let fourDecimal = ["CLF", "UYW"]

    // ANG stays for now: it was replaced by XCG in 2025 but old invoices may still name it.
    private static let twoDecimal = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN",
        "BAM", "BBD", "BDT", "BGN", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
        "CAD", "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK",
        "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
        "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
        "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT",
        "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
        "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
        "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB",
        "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
        "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS",
        "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
    ]
}
