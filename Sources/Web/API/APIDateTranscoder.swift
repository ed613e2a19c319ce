import Foundation
import OpenAPIRuntime

/// The API's dates: RFC 3339 in UTC to the second (`2026-11-21T12:00:00Z`), as the runtime's
/// `.iso8601` writes them, but formatted without its lock. On Linux the runtime shares one
/// `ISO8601DateFormatter` behind a lock across all requests; a page of 50 users takes it 100
/// times (docs/benchmarks.md, S2). Parsing, which is rare, stays with the runtime's transcoder.
struct APIDateTranscoder: DateTranscoder {
    private static let style = Date.ISO8601FormatStyle()
    private let parser = ISO8601DateTranscoder()

    func encode(_ date: Date) throws -> String { Self.style.format(date) }

    func decode(_ string: String) throws -> Date { try parser.decode(string) }
}
