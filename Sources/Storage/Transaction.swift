import Kernel
internal import Logging
internal import PostgresPipeline
internal import Synchronization

/// The statements both transaction kinds share. Internal: modules see `TenantTransaction`
/// or `PlatformTransaction`, never this or the connection inside it.
struct Transaction: Sendable {
    /// Where its statements go (`Slot`).
    let slot: Slot
    let logger: Logger
    /// Whether statements go as named ones, each prepared once per connection
    /// (`StatementNames`): what the scoped transactions do. Migrations and operator tooling
    /// send unnamed ones (their statements run once, and some change the tables).
    var named = false
    /// Set when a statement fails. PostgreSQL then aborts the transaction, and answers a later
    /// COMMIT with a silent ROLLBACK; a body that caught the error and returned must not be
    /// reported as committed.
    let failure = FailureFlag()
    /// `begin` and the scope, held back to travel with the transaction's first statement
    /// (one round trip, not three); empty once sent, or for a connection used as it is.
    let opening = Opening()
    /// Whether reads may still go alone (`Reading`), and with which scope.
    let reading = Reading()
    /// Whether `execute` holds its statement back (`HeldWrites`): in the scoped transactions of
    /// `Transaction.run`, whose `commit` sends what is still held. Not for a statement with no
    /// transaction around it, nor for migrations and operator tooling (unscoped), which keep
    /// one statement per round trip.
    var holdsWrites = false
    /// Statements whose answer the body does not read, held back to travel with the next
    /// statement or the `commit` (`HeldWrites`).
    let held = HeldWrites()

    init(slot: Slot, logger: Logger) {
        self.slot = slot
        self.logger = logger
    }

    /// On `slot`, for `scope`: statements named (prepared once per connection) unless unscoped.
    init(slot: Slot, scope: DatabasePool.Scope, logger: Logger) {
        self.init(slot: slot, logger: logger)
        if case .unscoped = scope {} else { named = true }
    }

    /// On `connection`, as it is (migrations, checks, operator tooling).
    init(connection: PipelineConnection, logger: Logger) {
        self.slot = Slot(connection)
        self.logger = logger
    }

    /// On the pool: a connection is leased only when the transaction begins (`Transaction.run`);
    /// until then, and for a one-shot statement, statements share idle connections.
    init(pool: ConnectionPool, logger: Logger) {
        self.slot = Slot(pool: pool)
        self.logger = logger
    }

    /// The transaction's connection: one it was given, or one leased from the pool when the
    /// transaction begins and handed back by `release`. Before that, statements that need no
    /// transaction (reads alone, one-shot statements) run on a shared idle connection.
    final class Slot: Sendable {
        private let pool: ConnectionPool?
        private let leased: Mutex<PipelineConnection?>

        init(_ connection: PipelineConnection) {
            pool = nil
            leased = Mutex(connection)
        }

        init(pool: ConnectionPool) {
            self.pool = pool
            leased = Mutex(nil)
        }

        var current: PipelineConnection? { leased.withLock { $0 } }

        /// The transaction's own connection, leased on first use.
        func connection() async throws -> PipelineConnection {
            if let connection = current { return connection }
            guard let pool else { throw PostgresConnectionError("no connection") }
            let connection = try await pool.lease()
            leased.withLock { $0 = connection }
            return connection
        }

        /// Sends one job, one round trip (counted: `DatabasePool.roundTrips`). One that begins
        /// or continues the transaction goes on its connection, leased now if need be; one that
        /// needs no transaction (a read alone, a one-shot statement) on the transaction's
        /// connection once it has one, else on a shared one.
        func send(_ statements: [Statement], inTransaction: Bool) async throws -> [ResultSet] {
            pool?.countRoundTrip()
            if let connection = current { return try await connection.run(statements) }
            guard let pool else { throw PostgresConnectionError("no connection") }
            guard inTransaction else { return try await pool.runShared(statements) }
            return try await connection().run(statements)
        }

        /// Hands a leased connection back to the pool.
        func release() {
            guard let pool, let connection = leased.withLock({ $0.take() }) else { return }
            pool.release(connection)
        }
    }

    final class FailureFlag: Sendable {
        private let failed = Mutex(false)
        func set() { failed.withLock { $0 = true } }
        var isSet: Bool { failed.withLock { $0 } }
    }

    /// Reads before the transaction begins. Until a transaction's first write, a statement
    /// that only reads goes as [scope, read-only; statement] in one implicit transaction: one
    /// round trip, and no `begin` or `commit` at all for a body that only reads. Under read
    /// committed this is what the explicit transaction would have done (each statement takes its
    /// own snapshot; a plain read takes no lock), and the read-only setting makes PostgreSQL
    /// refuse (25006, without effect) anything that writes; such a statement is then sent
    /// again in the explicit transaction and remembered as a writer (`StatementNames`).
    /// Statements whose effect must last until the commit (row locks, advisory locks,
    /// `set_config`, `pg_notify`, sequences) never go alone.
    final class Reading: Sendable {
        private let scope = Mutex<Statement?>(nil)
        func allow(_ readScope: Statement) { scope.withLock { $0 = readScope } }
        /// The read-only scope while reads may go alone; `nil` once the transaction has begun.
        var readScope: Statement? { scope.withLock { $0 } }
        func stop() { scope.withLock { $0 = nil } }
    }

    /// Writes held back. `execute` reads no answer, so its statement need not go before the
    /// body goes on: it is held, and sent in the same pipeline as the transaction's next
    /// statement, or its `commit` — a body that ends with its writes sends them and `commit` in
    /// one round trip. PostgreSQL runs them in order, so the next statement sees their effect,
    /// and a held write that fails makes that later statement's await throw its error (and
    /// PostgreSQL skips the rest of the pipeline, `commit` included): still inside the
    /// transaction, which is rolled back. What a body cannot do is catch one write's error
    /// where it was written (`try? await tx.execute(…)` swallows nothing); a write whose failure
    /// the body must handle there is a `query`. A body does no work outside the database between
    /// its statements (a provider's call goes between transactions, docs/storage.md), so a
    /// write sent a little later changes nothing it can see.
    final class HeldWrites: Sendable {
        private let statements = Mutex<[Statement]>([])
        func append(_ more: [Statement]) { statements.withLock { $0 += more } }
        /// What is held (once), to be sent before the next statement.
        func take() -> [Statement] {
            statements.withLock { held in
                defer { held = [] }
                return held
            }
        }
        var isEmpty: Bool { statements.withLock { $0.isEmpty } }
    }

    final class Opening: Sendable {
        private struct Held {
            let budget: Duration
            let make: @Sendable (_ lockWait: Duration) -> [Statement]
        }
        private let held = Mutex<Held?>(nil)
        private let started = ContinuousClock.now
        /// Holds the opening, made when it is sent with the lock wait left of `budget` then.
        func hold(budget: Duration, _ opening: @escaping @Sendable (_ lockWait: Duration) -> [Statement]) {
            held.withLock { $0 = Held(budget: budget, make: opening) }
        }
        /// The statements still to send (once); `nil` once sent, or for a connection used as it
        /// is (no transaction to begin).
        func take() -> [Statement]? {
            guard let opening = held.withLock({ $0.take() }) else { return nil }
            return opening.make(opening.budget - (.now - started))
        }
        /// Whether `begin` was sent (or nothing was held back).
        var isSent: Bool { held.withLock { $0 == nil } }
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

    /// The statement that scopes a transaction: the tenant (or the platform flag) and both
    /// timeouts, all transaction-local (`true`), so the next lease of this pooled connection
    /// starts with no tenant. For a read sent on its own (`Reading`), also the implicit
    /// transaction read-only, so a statement that would write fails (25006) without effect.
    /// Named like every scoped statement: PostgreSQL parses and plans it once per connection
    /// (docs/benchmarks.md). `nil` for an unscoped transaction.
    func scopeStatement(_ scope: DatabasePool.Scope, lockWait: Duration, readOnly: Bool) -> Statement? {
        Self.scopeStatement(scope, lockWait: lockWait, readOnly: readOnly, named: named)
    }

    static func scopeStatement(_ scope: DatabasePool.Scope, lockWait: Duration, readOnly: Bool, named: Bool) -> Statement? {
        let value: String, texts: ScopeText.Pair
        switch scope {
        case .tenant(let tenantID): (value, texts) = (tenantID.description, ScopeText.tenant)
        case .platform: (value, texts) = ("on", ScopeText.platform)
        case .unscoped: return nil
        }
        let text = readOnly ? texts.readOnly : texts.readWrite
        let parameters = [value.sqlValue.parameter, Self.lockTimeout(lockWait).sqlValue.parameter]
        return Statement(text.sql, parameters: parameters, name: named ? text.name : nil)
    }

    /// The scope statements' texts and names, made once: every request sends one or two, and
    /// formatting the text and looking its name up each time was about 1 % of a request.
    private struct ScopeText {
        typealias Pair = (readWrite: ScopeText, readOnly: ScopeText)
        let sql: String
        let name: String

        static let tenant = pair("app.tenant_id")
        static let platform = pair("app.platform")

        private static func pair(_ setting: String) -> Pair {
            (make(setting, readOnly: false), make(setting, readOnly: true))
        }

        private static func make(_ setting: String, readOnly: Bool) -> ScopeText {
            let sql = """
                select set_config('\(setting)', $1, true), set_config('lock_timeout', $2, true),
                       set_config('statement_timeout', '\(Transaction.statementTimeout)', true)\(readOnly ? ", set_config('transaction_read_only', 'on', true)" : "")
                """
            let text = "".sqlValue.parameter
            return ScopeText(sql: sql, name: StatementNames.shared.name(sql, [text, text]))
        }
    }

    /// - Parameter lockWait: how long a statement may wait for a lock (what is left of the
    ///   request's wait budget).
    ///
    /// Round trips: reads before the first write go alone, one each (`Reading`); writes whose
    /// answer the body does not read are held (`HeldWrites`); `begin` and the scope go with the first
    /// job that may write, each later statement whose answer the body reads is one, and
    /// `commit` one more (prepared), carrying the writes still held. A body that only reads
    /// sends no `begin` and no `commit`; one that runs no statement costs nothing.
    static func run<R>(
        in slot: Slot, scope: DatabasePool.Scope, isolation: IsolationLevel,
        lockWait: Duration, logger: Logger, _ body: (Transaction) async throws -> R
    ) async throws -> R {
        var tx = Transaction(slot: slot, scope: scope, logger: logger)
        // Every request's transaction is bounded: a lock held elsewhere (a migration, an
        // operator's session) makes it fail when the wait budget is spent, with 503 +
        // Retry-After, instead of holding a pooled connection for as long as the lock lasts.
        // The budget left when the transaction begins (after waiting for its connection).
        let begin = tx.statement(SQL(unsafeSQL: "begin isolation level \(isolation.rawValue)"))
        if case .platform(let purpose) = scope { logger.debug("platform transaction", metadata: ["purpose": "\(purpose)"]) }
        // Unscoped (migrations and operator tooling): `begin` alone, no limits.
        tx.holdOpening([begin], scope: scope, lockWait: lockWait)
        tx.holdsWrites = tx.named
        // Under read committed every statement reads its own snapshot anyway, so a plain read
        // before the transaction's first write can run alone, read-only, in one round trip.
        if isolation == .readCommitted, let readScope = tx.scopeStatement(scope, lockWait: lockWait, readOnly: true) {
            tx.reading.allow(readScope)
        }
        do {
            let result = try await body(tx)
            if tx.failure.isSet {
                throw AppError(.internalError, "The change could not be saved.",
                               diagnostics: "a statement failed inside the transaction and its error was caught; rolled back instead of committing")
            }
            // Held writes (with the opening, if they were the body's first statements) go
            // with the commit.
            if tx.opening.isSent, slot.current != nil || !tx.held.isEmpty {
                _ = try await tx.run(tx.statement(SQL(unsafeSQL: "commit")), text: "commit")
            }
            return result
        } catch {
            if tx.opening.isSent { await tx.rollback(after: error) }
            throw error
        }
    }

    /// `sql` as a transaction of its own: [scope; statement] in one round trip on a leased
    /// connection, which PostgreSQL commits at the job's Sync (one implicit transaction, like a
    /// read alone) — no `begin`, no `commit`. For a write that is its transaction's only
    /// statement and whose answer decides nothing before the commit (the idempotency key's
    /// claim). A failure leaves nothing: PostgreSQL rolls the implicit transaction back.
    static func alone(_ sql: SQL, in slot: Slot, scope: DatabasePool.Scope, lockWait: Duration,
                      logger: Logger) async throws -> [Row] {
        let tx = Transaction(slot: slot, scope: scope, logger: logger)
        tx.holdOpening([], scope: scope, lockWait: lockWait)
        return try await tx.query(sql)
    }

    /// Holds `leading` (`begin`, or nothing) and the scope back, to travel with the first job
    /// that may write (`Opening`), the lock wait being what is left of `lockWait` then.
    ///
    /// The held closure must not capture the transaction: the transaction holds the opening,
    /// and a body that only reads never takes it back, so the pair kept each other alive after
    /// the request (every read-only transaction leaked about a kilobyte; found with heaptrack).
    func holdOpening(_ leading: [Statement], scope: DatabasePool.Scope, lockWait: Duration) {
        let named = named
        opening.hold(budget: lockWait) { wait in
            leading + [Self.scopeStatement(scope, lockWait: wait, readOnly: false, named: named)].compactMap { $0 }
        }
    }

    /// Rolls back after `error`, unless the connection is already gone. A connection the
    /// server dropped (terminated backend, restart) is not asked anything more; closing it
    /// makes the pool discard it.
    func rollback(after error: any Error) async {
        _ = held.take()  // writes not sent yet are dropped, not sent before the rollback
        guard let connection = slot.current else { return }
        if connection.isClosed || (DatabaseError.map(error) as? AppError)?.code == .databaseUnavailable {
            connection.close()
            return
        }
        do {
            _ = try await run(statement(SQL(unsafeSQL: "rollback")), text: "rollback")
        } catch {
            connection.close()
        }
    }

    func query(_ sql: SQL) async throws -> [Row] {
        Row.all(try await run(statement(sql), text: sql.text))
    }

    /// Sends `sql`, or, in a scoped transaction, holds it back to go with the next statement
    /// or the `commit` (`HeldWrites`): its error, if any, is thrown there.
    func execute(_ sql: SQL) async throws {
        guard holdsWrites else {
            _ = try await run(statement(sql), text: sql.text)
            return
        }
        reading.stop()
        held.append((opening.take() ?? []) + [statement(sql)])
        StorageMetrics.shared.statements.add(1, ordering: .relaxed)
    }

    func execute<Q: PreparedQuery>(_ prepared: Q) async throws -> [Q.Output] {
        let result = try await run(statement(prepared), text: Q.sql)
        return try (0..<result.rowCount).map { try prepared.decode(Row(result, $0)) }
    }

    /// `sql` as the driver sends it: named (prepared once per connection) in scoped
    /// transactions, unnamed in migrations and operator tooling.
    func statement(_ sql: SQL) -> Statement {
        Self.statement(sql, named: named)
    }

    static func statement(_ sql: SQL, named: Bool) -> Statement {
        let parameters = sql.values.map(\.parameter)
        return Statement(sql.text, parameters: parameters, name: named ? StatementNames.shared.name(sql.text, parameters) : nil)
    }

    func statement<Q: PreparedQuery>(_ prepared: Q) -> Statement {
        let parameters = prepared.arguments.map(\.parameter)
        return Statement(Q.sql, parameters: parameters, name: StatementNames.shared.name(Q.sql, parameters))
    }

    /// Runs one statement (after the held-back opening, if it is the first), recording a
    /// failure; in a span named by its text (placeholders, never values) when tracing is on.
    func run(_ statement: Statement, text: String) async throws -> ResultSet {
        guard Traces.enabled else { return try await unspanned(statement) }
        return try await Traces.span("db.statement", kind: .client,
                                     attributes: ["db.system.name": "postgresql", "db.query.text": text]) {
            try await unspanned(statement)
        }
    }

    private func unspanned(_ statement: Statement) async throws -> ResultSet {
        let metrics = StorageMetrics.shared, started = ContinuousClock.now
        defer {
            metrics.statements.add(1, ordering: .relaxed)
            metrics.statementNanoseconds.add(StorageMetrics.nanoseconds(.now - started), ordering: .relaxed)
        }
        do {
            if let readScope = reading.readScope, let name = statement.name, StatementNames.shared.mayReadAlone(name, statement.sql) {
                do {
                    guard let result = try await slot.send([readScope, statement], inTransaction: false).last else {
                        throw PostgresConnectionError("no result for a statement")
                    }
                    return result
                } catch let error as PostgresServerError where error.sqlState == "25006" {
                    StatementNames.shared.writes(name)  // and it goes again, in the transaction
                }
            }
            reading.stop()
            // The transaction begins (its connection leased) with its opening, and held writes
            // go first; a statement with no transaction around it (a one-shot lookup) shares a
            // connection.
            let opening = opening.take()
            let job = held.take() + (opening ?? []) + [statement]
            let results = try await slot.send(job, inTransaction: opening != nil || job.count > 1)
            guard let result = results.last, results.count == job.count else {
                throw PostgresConnectionError("no result for a statement")
            }
            return result
        } catch {
            if error is PostgresServerError {
                failure.set()
                metrics.statementErrors.add(1, ordering: .relaxed)
            }
            throw error
        }
    }
}
