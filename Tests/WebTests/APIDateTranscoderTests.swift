import Foundation
import PropertyBased
import Testing
import Web

/// The API's dates are written by hand between 1600 and 9999, and must be the text Foundation's
/// `Date.ISO8601FormatStyle` writes (what the runtime's `.iso8601` wrote before).
@Suite("API dates: RFC 3339 by hand, Foundation's text")
struct APIDateTranscoderTests {
    static let transcoder = APIDateTranscoder()
    static let style = Date.ISO8601FormatStyle()

    @Test("edges: the epoch, leap days, the range's ends and outside them, fractions before and after 1970")
    func edges() throws {
        let seconds: [Double] = [
            0, 0.5, 0.999_999, -0.5, -1, -86_400.25,
            951_782_400, 951_868_799, 4_107_542_400,  // 2000-02-29, its last second, 2100-03-01
            1_790_000_000.999_999, 1_709_164_800,  // 2024-02-29
            -11_676_096_000, -11_676_096_000.5,  // 1600-01-01, half a second before
            253_402_300_799.75, 253_402_300_800,  // 9999-12-31T23:59:59, then 10000
            -62_135_596_800, 1e12, -1e11,  // Julian days, five-digit and negative years: Foundation's text
        ]
        for second in seconds {
            let date = Date(timeIntervalSince1970: second)
            #expect(try Self.transcoder.encode(date) == Self.style.format(date), "\(second)")
        }
    }

    @Test("property: any second from 1600 to 9999 is written as Foundation writes it")
    func property() async {
        let seconds = Gen.oneOf(Gen.double(in: -11_676_096_000...253_402_300_799.999), Gen.double(in: -3e9...5e9))
        await propertyCheck(count: 2_000, input: seconds) { second in
            let date = Date(timeIntervalSince1970: second)
            let written = try Self.transcoder.encode(date)
            #expect(written == Self.style.format(date), "\(second)")
        }
    }

    @Test("what it writes, it reads back to the second")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(try Self.transcoder.decode(try Self.transcoder.encode(date)) == date)
        #expect(try Self.transcoder.decode("2026-11-21T12:00:00.250Z") == Date(timeIntervalSince1970: 1_795_262_400.25))
    }
}
