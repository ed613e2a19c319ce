import Foundation
import OpenAPIRuntime

/// The API's dates: RFC 3339 in UTC to the second (`2026-11-21T12:00:00Z`), as the runtime's
/// `.iso8601` writes them, but formatted without its lock. On Linux the runtime shares one
/// `ISO8601DateFormatter` behind a lock across all requests; a page of 50 users takes it 100
/// times (docs/benchmarks.md, S2). Parsing, which is rare, stays with the runtime's transcoder,
/// and takes any RFC 3339 time a client sends: with fractional seconds too (`…T12:00:00.250Z`).
struct APIDateTranscoder: DateTranscoder {
    private static let style = Date.ISO8601FormatStyle()
    private let parser = ISO8601DateTranscoder()
    private let fractionalParser = ISO8601DateTranscoder.iso8601WithFractionalSeconds

    func encode(_ date: Date) throws -> String { Self.style.format(date) }

    func decode(_ string: String) throws -> Date {
        if let date = try? parser.decode(string) { return date }
        return try fractionalParser.decode(string)
    }
}
