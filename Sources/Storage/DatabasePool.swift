public import Kernel
public import Logging
public import ServiceLifecycle
internal import PostgresNIO
internal import NIOSSL
public import NIOCore
internal import Synchronization

/// The one connection pool of the process (PostgresNIO's `PostgresClient`), run as a Service.
///
/// Nothing outside Storage gets a connection from it: modules get a `Database` (tenant path)
/// and a few named components get a `PlatformDatabase` (cross-tenant path), both made here.
public final class DatabasePool: Service, Sendable {
    let client: PostgresClient
    let configuration: DatabaseConfiguration
    let logger: Logger
    /// The time every transaction reads (`TenantTransaction.now`): the composition root's clock.
    let clock: any WallClock
    /// The keys that seal secrets (`tx.seal`); `nil` where nothing is sealed (migrations, checks).
    let secrets: KeyRing?

    /// - Parameter eventLoopGroup: the loops the connections run on; by default SwiftNIO's
    ///   shared group (one loop per core). Keel passes the HTTP server's group, so a request and
    ///   its statements can share a thread (`EventLoopExecutor`).
    /// - Parameter clock: the time transactions read (`now`); tests pass a `ManualClock`.
    /// - Parameter secrets: the key ring transactions seal and open secrets with.
    public init(_ configuration: DatabaseConfiguration, eventLoopGroup: (any EventLoopGroup)? = nil,
                clock: any WallClock = SystemClock(), secrets: KeyRing? = nil, logger: Logger) {
        self.clock = clock
        self.secrets = secrets
        var config: PostgresClient.Configuration
        switch configuration.endpoint {
        case .unixSocket(let path):
            config = .init(unixSocketPath: path, username: configuration.username,
                           password: configuration.password, database: configuration.database)
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS = switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
            config = .init(host: host, port: port, username: configuration.username,
                           password: configuration.password, database: configuration.database, tls: tls)
        }
        config.options.maximumConnections = max(1, configuration.poolSize)
        config.options.connectTimeout = configuration.connectTimeout
        self.client = PostgresClient(configuration: config, eventLoopGroup: eventLoopGroup ?? PostgresClient.defaultEventLoopGroup,
                                     backgroundLogger: logger)
        self.configuration = configuration
        self.logger = logger
    }

    /// Settings for a connection outside the pool (the dispatcher's LISTEN connection).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let c = configuration
        switch c.endpoint {
        case .unixSocket(let path):
            return .init(unixSocketPath: path, username: c.username, password: c.password, database: c.database)
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS = switch c.tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            return .init(host: host, port: port, username: c.username, password: c.password, database: c.database, tls: tls)
        }
    }

    /// Runs the pool until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.client.run()
        }
    }

    /// The tenant path, for module code.
    public var database: Database { Database(pool: self) }

    /// The cross-tenant path. Only the composition root calls this, and hands the result to
    /// the few components whose job is cross-tenant (the event dispatcher, staff search).
    public func platformDatabase() -> PlatformDatabase { PlatformDatabase(pool: self) }

    // MARK: - Transactions

    enum Scope: Sendable {
        case tenant(TenantID)
        case platform(purpose: String)
        /// Neither: row-level security then shows no tenant rows at all (fail closed).
        case unscoped
    }

    /// Runs `body` in one transaction on one leased connection, with the scope set
    /// transaction-locally first; retries the whole transaction on serialization failures.
    func transaction<R: Sendable>(
        _ scope: Scope, isolation: IsolationLevel, maxAttempts: Int = 3,
        _ body: (Transaction) async throws -> R
    ) async throws -> R {
        guard Traces.enabled else { return try await unspannedTransaction(scope, isolation: isolation, maxAttempts: maxAttempts, body) }
        let attributes: [String: String] = switch scope {
        case .tenant(let tenantID): ["db.system.name": "postgresql", "keel.tenant_id": tenantID.description]
        case .platform(let purpose): ["db.system.name": "postgresql", "keel.platform": purpose]
        case .unscoped: ["db.system.name": "postgresql"]
        }
        return try await Traces.span("db.transaction", kind: .client, attributes: attributes) {
            try await unspannedTransaction(scope, isolation: isolation, maxAttempts: maxAttempts, body)
        }
    }

    private func unspannedTransaction<R: Sendable>(
        _ scope: Scope, isolation: IsolationLevel, maxAttempts: Int,
        _ body: (Transaction) async throws -> R
    ) async throws -> R {
        var attempt = 1
        while true {
            let started = ContinuousClock.now
            do {
                return try await withConnection { connection in
                    try await Transaction.run(on: connection, scope: scope, isolation: isolation,
                                              lockWait: self.waitBudget - (.now - started), logger: self.logger, body)
                }
            } catch where DatabaseError.isRetryable(error) && attempt < maxAttempts {
                // Jittered backoff so the transactions that collided do not collide again.
                let jitter = Int.random(in: 0...(5 << attempt))
                logger.debug("retrying transaction after serialization failure", metadata: ["attempt": "\(attempt)"])
                try await Task.sleep(for: .milliseconds(jitter))
                attempt += 1
            } catch {
                throw DatabaseError.map(error)
            }
        }
    }

    /// How long a request may wait on the database in all, for a connection and then for
    /// locks: the connect timeout (5 s by default). A transaction's `lock_timeout` is what the
    /// lease left of it, so a request that waited for a connection does not wait as long again
    /// for a lock.
    var waitBudget: Duration { configuration.connectTimeout }

    /// One prepared statement in PostgreSQL's implicit transaction (see `PlatformDatabase.statement`);
    /// `make` gets the `lock_timeout` left of the wait budget, for statements that set their own.
    func statement<Q: PreparedQuery>(_ make: (_ lockTimeout: String) -> Q) async throws -> [Q.Output] {
        let started = ContinuousClock.now
        do {
            return try await withConnection { connection in
                let query = make(Transaction.lockTimeout(self.waitBudget - (.now - started)))
                return try await Transaction(connection: connection, logger: self.logger).execute(query)
            }
        } catch {
            throw DatabaseError.map(error)
        }
    }

    /// Leases a connection, failing with "database unavailable" when none can be had within
    /// the configured connect timeout (the pool itself would wait for its circuit breaker).
    ///
    /// Whether the lease or the deadline came first is decided once, under a lock: a connection
    /// granted after the deadline is handed back unused, so a caller told "unavailable" can
    /// safely retry — the body never ran.
    func withConnection<R: Sendable>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let race = LeaseRace()
        let timeout = configuration.connectTimeout
        let metrics = StorageMetrics.shared, asked = ContinuousClock.now
        metrics.waiting.add(1, ordering: .relaxed)
        // Neither lease nor deadline (the pool shut down, the task was cancelled): no longer waiting.
        defer { if race.expire() { metrics.waiting.subtract(1, ordering: .relaxed) } }
        return try await withoutActuallyEscaping(body) { body in
            // The task group needs a sendable closure; `body` is only ever called once, from one
            // child task, so handing it across is safe.
            nonisolated(unsafe) let body = body
            return try await withThrowingTaskGroup(of: R?.self) { group in
                group.addTask {
                    try await self.client.withConnection { connection in
                        guard race.acquire() else { throw DatabaseError.unavailable("connection granted after the deadline") }
                        metrics.waiting.subtract(1, ordering: .relaxed)
                        metrics.leases.add(1, ordering: .relaxed)
                        metrics.leaseWaitNanoseconds.add(StorageMetrics.nanoseconds(.now - asked), ordering: .relaxed)
                        metrics.inUse.add(1, ordering: .relaxed)
                        defer { metrics.inUse.subtract(1, ordering: .relaxed) }
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    if race.expire() {
                        metrics.waiting.subtract(1, ordering: .relaxed)
                        metrics.leaseTimeouts.add(1, ordering: .relaxed)
                        throw DatabaseError.unavailable("no connection within \(timeout)")
                    }
                    return nil
                }
                while let result = try await group.next() {
                    if let result {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        }
    }

    /// Which came first, the connection or the deadline.
    final class LeaseRace: Sendable {
        private enum State { case waiting, acquired, expired }
        private let state = Mutex(State.waiting)
        /// True if the connection came first (and may be used).
        func acquire() -> Bool {
            state.withLock { s in
                guard s == .waiting else { return false }
                s = .acquired
                return true
            }
        }
        /// True if the deadline came first (and the caller gets "unavailable").
        func expire() -> Bool {
            state.withLock { s in
                guard s == .waiting else { return false }
                s = .expired
                return true
            }
        }
    }
}

/// Transaction isolation. Read committed is PostgreSQL's default and right for most work;
/// serializable is for the few decisions that read-then-write across rows.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "read committed"
    case repeatableRead = "repeatable read"
    case serializable = "serializable"
}

extension DatabasePool {
    /// Runs `body` with a pool that lives only as long as the call (commands, migrations);
    /// the pool's connections are closed before it returns.
    public static func withPool<R: Sendable>(
        _ configuration: DatabaseConfiguration, clock: any WallClock = SystemClock(), secrets: KeyRing? = nil, logger: Logger,
        _ body: (DatabasePool) async throws -> R
    ) async throws -> R {
        let pool = DatabasePool(configuration, clock: clock, secrets: secrets, logger: logger)
        return try await withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body  // called once, from this task only
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await pool.client.run() }
                defer { group.cancelAll() }
                return try await body(pool)
            }
        }
    }

    /// Refuses to serve as a role that row-level security would not bind: a superuser, a
    /// role with BYPASSRLS, or the owner of Keel's tables (owners can switch RLS off).
    public func verifyServerRole() async throws {
        try await withConnection { connection in
            let tx = Transaction(connection: connection, logger: logger)
            let role = try await tx.query("""
                select current_user::text as name, rolsuper, rolbypassrls,
                       (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where pg_has_role(r.oid, c.relowner, 'MEMBER') and n.nspname in ('platform', 'accounts', 'billing', 'orders', 'notifications')
                       ) as owned
                  from pg_roles r where r.rolname = current_user
                """)
            guard let row = role.first else { return }
            let name: String = try row.decode("name")
            if try row.decode("rolsuper", as: Bool.self) || row.decode("rolbypassrls", as: Bool.self) {
                throw AppError(.forbiddenRole, """
                    Refusing to start: the database role '\(name)' is a SUPERUSER or has BYPASSRLS, so \
                    row-level security would not isolate tenants. Connect the server (DATABASE_URL) as a \
                    role with neither, and run migrations as a separate owner role (MIGRATION_DATABASE_URL).
                    """)
            }
            if try row.decode("owned", as: Int.self) > 0 {
                throw AppError(.forbiddenRole, """
                    Refusing to start: the database role '\(name)' owns (or is a member of the role that owns) Keel's tables, and an owner can turn \
                    row-level security off. Run migrations as a separate owner role (MIGRATION_DATABASE_URL) \
                    and connect the server (DATABASE_URL) as a role that owns nothing.
                    """)
            }
        }
    }
}

extension DatabasePool {
    /// A transaction with no tenant and no platform flag: every tenant table looks empty.
    /// For catalog checks and for tests that prove exactly that.
    public func withUnscopedTransaction<R: Sendable>(_ body: (PlatformTransaction) async throws -> R) async throws -> R {
        try await transaction(.unscoped, isolation: .readCommitted) { tx in try await body(PlatformTransaction(tx: tx, now: clock.now.asStored, secrets: secrets)) }
    }

    /// Whether a connection can be had and answers.
    /// Whether the database answers within `timeout`. Bounded on its own (not by the pool's
    /// connect timeout), so `/readyz` says 503 quickly when the database is gone, even if a
    /// lease or a query hangs.
    public func ping(timeout: Duration = .seconds(1)) async -> Bool {
        let outcome = PingOutcome()
        return await withCheckedContinuation { continuation in
            outcome.start(continuation)
            let work = Task {
                do {
                    let ok = try await withConnection { connection in
                        try await Transaction(connection: connection, logger: logger).query("select 1 as one").count == 1
                    }
                    outcome.finish(ok)
                } catch {
                    logger.warning("database ping failed", metadata: ["error": "\(error)"])
                    outcome.finish(false)
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                work.cancel()
                outcome.finish(false)
            }
        }
    }
}

/// The first of a ping's answer and its deadline resumes the caller; the other is ignored.
private final class PingOutcome: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    func start(_ waiting: CheckedContinuation<Bool, Never>) { continuation.withLock { $0 = waiting } }
    func finish(_ ok: Bool) { continuation.withLock { $0.take() }?.resume(returning: ok) }
}
