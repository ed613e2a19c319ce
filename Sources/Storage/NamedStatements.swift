internal import Logging
internal import NIOCore
internal import PostgresNIO
internal import Synchronization

/// Every statement of a scoped transaction goes as a named one, prepared once per connection
/// and then only bound and executed: PostgreSQL parses and plans it once per connection, not on
/// every request (asyncpg's statement cache; docs/storage.md). A statement is its text and its
/// parameters' types, so one text bound once with a `NULL` and once with a value is two.
///
/// Names are process-wide (`keel_s1`, `keel_s2`, …), each for exactly one statement; PostgresNIO
/// prepares a name on a connection the first time it is executed there (one more round trip,
/// Parse/Describe, before Bind/Execute), and after that only binds and executes it.
///
/// PostgresNIO remembers a failed preparation for the connection's life: a statement first
/// seen in a transaction already aborted (or while a deadlock or a dropped table stops its
/// Parse) would fail on that connection for ever. So a statement that fails on a connection
/// where it never succeeded gets a new name, and its next use prepares it again. An error of a
/// statement that has run on the connection before is the execution's (a unique violation, a
/// lock timeout) and keeps the name.
final class NamedStatements: Sendable {
    static let shared = NamedStatements()

    private struct Names {
        var byStatement: [String: String] = [:]
        var next = 1
    }
    private let names = Mutex(Names())
    /// Per open connection, the names that have run on it: what a failure there cannot have
    /// been the preparation of. Keyed like `ConnectionWatch` (the address, checked against the
    /// connection's `id`), and dropped when the connection closes.
    private struct Ran {
        let connectionID: Int
        var names: Set<String>
    }
    private let ran = Mutex<[ObjectIdentifier: Ran]>([:])

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
        let connection = transaction.connection
        do {
            let rows = try await Self.$current.withValue(.init(name: name, sql: sql.text, types: types)) {
                try await transaction.statement(sql.text) { connection, logger in
                    var rows: [Row] = []
                    for try await row in try await connection.execute(statement, logger: logger) {
                        rows.append(Row(row))
                    }
                    return rows
                }
            }
            recordRun(name, on: connection)
            return rows
        } catch let error as PSQLError {
            if !hasRun(name, on: connection) { retire(key, name: name) }
            throw error
        }
    }

    private func recordRun(_ name: String, on connection: PostgresConnection) {
        let key = ObjectIdentifier(connection), id = connection.id
        let isNew = ran.withLock { ran in
            guard ran[key]?.connectionID == id else {
                ran[key] = Ran(connectionID: id, names: [name])
                return true
            }
            ran[key]!.names.insert(name)
            return false
        }
        if isNew {
            connection.closeFuture.whenComplete { _ in
                self.ran.withLock { ran in if ran[key]?.connectionID == id { ran[key] = nil } }
            }
        }
    }

    private func hasRun(_ name: String, on connection: PostgresConnection) -> Bool {
        ran.withLock { ran in
            guard let entry = ran[ObjectIdentifier(connection)], entry.connectionID == connection.id else { return false }
            return entry.names.contains(name)
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
}
