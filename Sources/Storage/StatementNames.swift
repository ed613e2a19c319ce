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
        /// Per name, whether it may run alone, read-only, before a transaction begins.
        var readsAlone: [String: Bool] = [:]
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

    /// Whether the statement named `name` may run alone before its transaction begins
    /// (`Transaction.Reading`): a `select` (or `with … select`) with nothing whose effect must
    /// last until the commit, and not yet refused as a writer.
    func mayReadAlone(_ name: String, _ sql: String) -> Bool {
        if let known = names.withLock({ $0.readsAlone[name] }) { return known }
        let verdict = Self.looksLikeAPlainRead(sql)
        names.withLock { $0.readsAlone[name] = verdict }
        return verdict
    }

    /// The statement named `name` wrote (PostgreSQL refused it read-only): it goes in the
    /// transaction from now on.
    func writes(_ name: String) {
        names.withLock { $0.readsAlone[name] = false }
    }

    static func looksLikeAPlainRead(_ sql: String) -> Bool {
        let text = sql.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let start = text.drop { $0 == "(" }
        guard start.hasPrefix("select") || start.hasPrefix("with") else { return false }
        let lasting = ["for update", "for share", "for no key update", "for key share", "pg_advisory", "set_config",
                       "pg_notify", "nextval", "setval", "pg_try_advisory", "lock table"]
        return !lasting.contains { text.contains($0) }
    }
}
