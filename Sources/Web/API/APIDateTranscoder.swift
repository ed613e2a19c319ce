public import Foundation
public import OpenAPIRuntime
import Kernel

/// The API's dates: RFC 3339 in UTC to the second (`2026-11-21T12:00:00Z`), the text the runtime's
/// `.iso8601` writes, written by hand for the years 1600–9999 (`Date.ISO8601FormatStyle` takes
/// about 0.34 µs a date, and a page of 50 users has 50: a quarter of the page's encoding once the
/// JSON itself was cheap) and by `Date.ISO8601FormatStyle` outside them (before 1583 Foundation
/// counts in the Julian calendar; `APIDateTranscoderTests` holds the two to the same text).
/// Parsing, which is rare, stays with the runtime's transcoder, and takes any RFC 3339 time a
/// client sends: with fractional seconds too (`…T12:00:00.250Z`).
public struct APIDateTranscoder: DateTranscoder {
    private static let style = Date.ISO8601FormatStyle()
    private let parser = ISO8601DateTranscoder()
    private let fractionalParser = ISO8601DateTranscoder.iso8601WithFractionalSeconds

    /// 1600-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in seconds since 1970.
    private static let handWritten: Range<Double> = -11_676_096_000 ..< 253_402_300_800

    public init() {}

    public func encode(_ date: Date) throws -> String {
        let time = date.timeIntervalSince1970
        guard Self.handWritten.contains(time) else { return Self.style.format(date) }
        return Self.rfc3339(seconds: Int(time.rounded(.down)))
    }

    public func decode(_ string: String) throws -> Date {
        if let date = try? parser.decode(string) { return date }
        return try fractionalParser.decode(string)
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` in the proleptic Gregorian calendar.
    static func rfc3339(seconds: Int) -> String {
        let (quotient, remainder) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (days, second) = remainder < 0 ? (quotient - 1, remainder + 86_400) : (quotient, remainder)
        let date = CivilDate(daysSince1970: days)
        return String(unsafeUninitializedCapacity: 20) { text in
            func digits(_ value: Int, at offset: Int, count: Int) {
                var value = value
                for index in stride(from: offset + count - 1, through: offset, by: -1) {
                    text[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            digits(date.year, at: 0, count: 4)
            text[4] = UInt8(ascii: "-")
            digits(date.month, at: 5, count: 2)
            text[7] = UInt8(ascii: "-")
            digits(date.day, at: 8, count: 2)
            text[10] = UInt8(ascii: "T")
            digits(second / 3_600, at: 11, count: 2)
            text[13] = UInt8(ascii: ":")
            digits(second / 60 % 60, at: 14, count: 2)
            text[16] = UInt8(ascii: ":")
            digits(second % 60, at: 17, count: 2)
            text[19] = UInt8(ascii: "Z")
            return 20
        }
    }
}
