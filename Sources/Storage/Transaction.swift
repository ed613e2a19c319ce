import Kernel
internal import Logging
internal import PostgresNIO
internal import Synchronization

/// The statements both transaction kinds share. Internal: modules see `TenantTransaction`
/// or `PlatformTransaction`, never this or the connection inside it.
struct Transaction: Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// Whether statements go as named ones, each prepared once per connection
    /// (`NamedStatements`): what the scoped transactions do. Migrations and operator tooling
    /// send unnamed ones (their statements run once, and some change the tables).
    var named = false
    /// Set when a statement fails. PostgreSQL then aborts the transaction, and answers a later
    /// COMMIT with a silent ROLLBACK; a body that caught the error and returned must not be
    /// reported as committed.
    let failure = FailureFlag()

    final class FailureFlag: Sendable {
        private let failed = Mutex(false)
        func set() { failed.withLock { $0 = true } }
        var isSet: Bool { failed.withLock { $0 } }
    }

    /// A statement ends after 30 s. Waiting for a lock ends when the request's database wait
    /// budget does (`DatabasePool.waitBudget`, less the wait for the connection). Both are
    /// transaction-local, like the tenant.
    static let statementTimeout = "30s"

    /// `lock_timeout` for what is left of a wait budget, at least 100 ms.
    static func lockTimeout(_ remaining: Duration) -> String {
        let ms = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
        return "\(max(100, ms))ms"
    }

    // The scope statement every transaction sends, prepared once per connection: PostgreSQL
    // parses and plans it once, not per request (docs/benchmarks.md).
    /// `true` = transaction-local: the setting ends with this transaction, so the next lease
    /// of this pooled connection starts with no tenant.
    private struct TenantScope: PreparedQuery {
        static let sql = """
            select set_config('app.tenant_id', $1, true), set_config('lock_timeout', $2, true),
                   set_config('statement_timeout', '\(statementTimeout)', true)
            """
        let tenantID: TenantID, lockTimeout: String
        var arguments: [SQLValue] { [tenantID.description.sqlValue, lockTimeout.sqlValue] }
        func decode(_ row: Row) throws {}
    }
    private struct PlatformScope: PreparedQuery {
        static let sql = """
            select set_config('app.platform', 'on', true), set_config('lock_timeout', $1, true),
                   set_config('statement_timeout', '\(statementTimeout)', true)
            """
        let lockTimeout: String
        var arguments: [SQLValue] { [lockTimeout.sqlValue] }
        func decode(_ row: Row) throws {}
    }

    /// - Parameter lockWait: how long a statement may wait for a lock (what is left of the
    ///   request's wait budget).
    static func run<R>(
        on connection: PostgresConnection, scope: DatabasePool.Scope, isolation: IsolationLevel,
        lockWait: Duration, logger: Logger, _ body: (Transaction) async throws -> R
    ) async throws -> R {
        var tx = Transaction(connection: connection, logger: logger)
        if case .unscoped = scope {} else { tx.named = true }
        try await tx.control("begin isolation level \(isolation.rawValue)")
        do {
            // Every request's transaction is bounded: a lock held elsewhere (a migration, an
            // operator's session) makes it fail when the wait budget is spent, with 503 +
            // Retry-After, instead of holding a pooled connection for as long as the lock lasts.
            switch scope {
            case .tenant(let tenantID):
                _ = try await tx.execute(TenantScope(tenantID: tenantID, lockTimeout: lockTimeout(lockWait)))
            case .platform(let purpose):
                logger.debug("platform transaction", metadata: ["purpose": "\(purpose)"])
                _ = try await tx.execute(PlatformScope(lockTimeout: lockTimeout(lockWait)))
            case .unscoped:
                break  // migrations and operator tooling: no limits
            }
            let result = try await body(tx)
            if tx.failure.isSet {
                throw AppError(.internalError, "The change could not be saved.",
                               diagnostics: "a statement failed inside the transaction and its error was caught; rolled back instead of committing")
            }
            try await tx.control("commit")
            return result
        } catch {
            await tx.rollback(after: error)
            throw error
        }
    }

    /// Rolls back after `error`, unless the connection is already gone. A connection the
    /// server dropped (terminated backend, restart) is not asked anything more; closing it
    /// makes the pool discard it.
    func rollback(after error: any Error) async {
        if connection.isClosed || (DatabaseError.map(error) as? AppError)?.code == .databaseUnavailable {
            try? await connection.close()
            return
        }
        do {
            try await control("rollback")
        } catch {
            try? await connection.close()
        }
    }

    func query(_ sql: SQL) async throws -> [Row] {
        if named { return try await NamedStatements.shared.run(sql, transaction: self) }
        return try await statement(sql.text) { connection, logger in
            var rows: [Row] = []
            for try await row in try await connection.query(sql.query, logger: logger) {
                rows.append(Row(row))
            }
            return rows
        }
    }

    func execute(_ sql: SQL) async throws {
        if named {
            _ = try await NamedStatements.shared.run(sql, transaction: self)
            return
        }
        try await statement(sql.text) { connection, logger in
            for try await _ in try await connection.query(sql.query, logger: logger) {}
        }
    }

    /// `begin`, `commit`, `rollback`: unnamed always (nothing to plan).
    private func control(_ text: String) async throws {
        try await statement(text) { connection, logger in
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: text), logger: logger) {}
        }
    }

    func execute<Q: PreparedQuery>(_ prepared: Q) async throws -> [Q.Output] {
        try await statement(Q.sql) { connection, logger in
            var output: [Q.Output] = []
            for try await row in try await connection.execute(PreparedAdapter(query: prepared), logger: logger) {
                output.append(try prepared.decode(row))
            }
            return output
        }
    }

    /// Runs one statement under the connection watch, recording a failure; in a span named
    /// by its text (placeholders, never values) when tracing is on.
    func statement<R: Sendable>(
        _ text: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> R
    ) async throws -> R {
        guard Traces.enabled else { return try await unspanned(body) }
        return try await Traces.span("db.statement", kind: .client,
                                     attributes: ["db.system.name": "postgresql", "db.query.text": text]) {
            try await unspanned(body)
        }
    }

    private func unspanned<R: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> R
    ) async throws -> R {
        let connection = self.connection, logger = self.logger
        let metrics = StorageMetrics.shared, started = ContinuousClock.now
        defer {
            metrics.statements.add(1, ordering: .relaxed)
            metrics.statementNanoseconds.add(StorageMetrics.nanoseconds(.now - started), ordering: .relaxed)
        }
        do {
            return try await ConnectionWatch.shared.run(on: connection) { try await body(connection, logger) }
        } catch {
            if error is PSQLError {
                failure.set()
                metrics.statementErrors.add(1, ordering: .relaxed)
            }
            throw error
        }
    }
}
