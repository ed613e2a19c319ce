internal import Logging
internal import PostgresNIO
internal import Synchronization

/// Every statement of a scoped transaction goes as a named one, prepared once per connection
/// and then only bound and executed: PostgreSQL parses and plans it once per connection, not on
/// every request (asyncpg's statement cache; docs/storage.md). A statement is its text and its
/// parameters' types, so one text bound once with a `NULL` and once with a value is two.
///
/// Names are process-wide (`keel_s1`, `keel_s2`, …), each for exactly one statement; PostgresNIO
/// prepares a name on a connection the first time it is executed there, in the same round trip
/// budget (Parse/Describe, then Bind/Execute).
///
/// PostgresNIO remembers a failed preparation for the connection's life, so an error that may
/// have come from preparing (a lock wait that timed out, a transaction already aborted, a table
/// that changed shape, a statement that does not parse) gives the statement a new name: the next
/// use prepares it again, everywhere. Errors of the data (a unique violation, a serialization
/// failure, a check) keep the name.
final class NamedStatements: Sendable {
    static let shared = NamedStatements()

    private struct Names {
        var byStatement: [String: String] = [:]
        var next = 1
    }
    private let names = Mutex(Names())

    /// The statement being executed, read by `Named`'s static requirements inside
    /// `PostgresConnection.execute` (which reads them before its first suspension).
    @TaskLocal static var current = Named.Current(name: "", sql: "", types: [])

    struct Named: PostgresPreparedStatement {
        struct Current: Sendable {
            let name: String, sql: String, types: [PostgresDataType]
        }
        typealias Row = PostgresRow
        static var name: String { NamedStatements.current.name }
        static var sql: String { NamedStatements.current.sql }
        static var bindingDataTypes: [PostgresDataType] { NamedStatements.current.types }
        let bindings: PostgresBindings
        func makeBindings() throws -> PostgresBindings { bindings }
        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    func run(_ sql: SQL, transaction: Transaction) async throws -> [Row] {
        let types = sql.values.map(\.dataType)
        var key = sql.text
        key.append("\u{0}")
        for type in types { key.append(String(type.rawValue)); key.append(",") }
        let name = self.name(for: key)
        var bindings = PostgresBindings(capacity: sql.values.count)
        for value in sql.values { value.append(to: &bindings) }
        let statement = Named(bindings: bindings)
        do {
            return try await Self.$current.withValue(.init(name: name, sql: sql.text, types: types)) {
                try await transaction.statement { connection, logger in
                    var rows: [Row] = []
                    for try await row in try await connection.execute(statement, logger: logger) {
                        rows.append(Row(row))
                    }
                    return rows
                }
            }
        } catch let error as PSQLError {
            if Self.mayBePreparation(error) { retire(key, name: name) }
            throw error
        }
    }

    private func name(for key: String) -> String {
        names.withLock { names in
            if let name = names.byStatement[key] { return name }
            let name = "keel_s\(names.next)"
            names.next += 1
            names.byStatement[key] = name
            return name
        }
    }

    /// The next use of the statement prepares it under a new name.
    private func retire(_ key: String, name: String) {
        names.withLock { names in
            if names.byStatement[key] == name { names.byStatement[key] = nil }
        }
    }

    /// Whether an error may have come from preparing the statement (and so is now PostgresNIO's
    /// answer for that name on this connection). Only errors of the data itself are known not
    /// to: integrity (23), data (22), transaction rollback (40: serialization, deadlock), and
    /// ones raised by Keel's own functions and triggers (P0).
    static func mayBePreparation(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return true }
        return !["23", "22", "40", "P0"].contains(String(state.prefix(2)))
    }
}
