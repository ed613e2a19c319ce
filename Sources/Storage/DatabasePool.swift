public import Kernel
public import Logging
public import NIOCore
public import ServiceLifecycle
internal import PostgresPipeline
internal import Synchronization

/// The one connection pool of the process (`ConnectionPool` of libpq pipeline connections), run
/// as a Service: it closes its connections when the service group shuts down.
///
/// Nothing outside Storage gets a connection from it: modules get a `Database` (tenant path)
/// and a few named components get a `PlatformDatabase` (cross-tenant path), both made here.
public final class DatabasePool: Service, Sendable {
    let connections: ConnectionPool
    let configuration: DatabaseConfiguration
    let logger: Logger
    /// The time every transaction reads (`TenantTransaction.now`): the composition root's clock.
    let clock: any WallClock
    /// The keys that seal secrets (`tx.seal`); `nil` where nothing is sealed (migrations, checks).
    let secrets: KeyRing?

    /// - Parameter clock: the time transactions read (`now`); tests pass a `ManualClock`.
    /// - Parameter secrets: the key ring transactions seal and open secrets with.
    /// - Parameter eventLoops: the loops that read the connections' answers: the HTTP server's
    ///   own, so that a request and its round trips run on one thread (`nil`: NIO's singleton
    ///   group, which is the server's unless `KEEL_EVENT_LOOPS` gives it a group of its own).
    public init(_ configuration: DatabaseConfiguration, clock: any WallClock = SystemClock(), secrets: KeyRing? = nil,
                eventLoops: (any EventLoopGroup)? = nil, logger: Logger) {
        self.clock = clock
        self.secrets = secrets
        self.connections = ConnectionPool(conninfo: configuration.conninfo, size: configuration.poolSize,
                                          waitLimit: configuration.connectTimeout, eventLoops: eventLoops)
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs the pool until the service group shuts down.
    public func run() async throws {
        try? await gracefulShutdown()
        connections.close()
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
            let slot = Transaction.Slot(pool: connections)
            defer { slot.release() }
            do {
                return try await Transaction.run(in: slot, scope: scope, isolation: isolation, lockWait: waitBudget,
                                                 logger: logger, body)
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

    /// `sql` as a transaction of its own, in one round trip (`Transaction.alone`).
    func writeAlone(_ scope: Scope, _ sql: SQL) async throws -> [Row] {
        let slot = Transaction.Slot(pool: connections)
        defer { slot.release() }
        do {
            return try await Transaction.alone(sql, in: slot, scope: scope, lockWait: waitBudget, logger: logger)
        } catch {
            // Nothing to roll back; a connection the server closed is dropped by `release`.
            throw DatabaseError.map(error)
        }
    }

    /// The round trips this pool's transactions have made: jobs sent to PostgreSQL, each a
    /// pipeline of statements ending in one Sync (docs/storage.md, "The data path"). What a test
    /// counts to show an operation's round trips; `/metrics` has the process's total.
    public var roundTrips: Int { connections.roundTrips }

    /// How long a request may wait on the database in all, for a connection and then for
    /// locks: the connect timeout (5 s by default). A transaction's `lock_timeout` is what the
    /// lease left of it, so a request that waited for a connection does not wait as long again
    /// for a lock.
    var waitBudget: Duration { configuration.connectTimeout }

    /// Leases a connection for `body` (the pool's own wait limit: "database unavailable" when
    /// none is free within the connect timeout) and hands it back after; a connection that
    /// closed meanwhile is dropped by the pool.
    func withConnection<R: Sendable>(_ body: (PipelineConnection) async throws -> R) async throws -> R {
        let connection = try await connections.lease()
        defer { connections.release(connection) }
        return try await body(connection)
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
        defer { pool.connections.close() }
        return try await body(pool)
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
