internal import PostgresPipeline
internal import Synchronization

/// Every statement of a scoped transaction goes as a named one, prepared once per connection
/// and then only bound and executed: PostgreSQL parses and plans it once per connection, not on
/// every request (asyncpg's statement cache; docs/storage.md). A statement is its text and its
/// parameters' types, so one text bound once with a `NULL` and once with a value is two.
///
/// Names are process-wide (`keel_s1`, `keel_s2`, …), each for exactly one statement. The driver
/// prepares a name on a connection the first time it runs there — the Parse travels in the same
/// pipeline as the execution, so it costs no round trip of its own — and forgets it again if
/// that job failed, so a statement first seen in an aborted transaction is prepared afresh next
/// time (`PipelineConnection`).
final class StatementNames: Sendable {
    static let shared = StatementNames()

    private struct Names {
        var byStatement: [String: String] = [:]
        var next = 1
    }
    private let names = Mutex(Names())

    func name(_ sql: String, _ parameters: [Parameter]) -> String {
        var key = sql
        key.append("\u{0}")
        for parameter in parameters {
            key.append(String(parameter.type))
            key.append(",")
        }
        return names.withLock { names in
            if let name = names.byStatement[key] { return name }
            let name = "keel_s\(names.next)"
            names.next += 1
            names.byStatement[key] = name
            return name
        }
    }
}
