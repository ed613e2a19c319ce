public import Foundation
public import Kernel

/// The tenant path: the only way module code reaches PostgreSQL.
///
/// ```swift
/// let user = try await db.tenant(principal.tenantID) { tx in
///     try await tx.query("select … from accounts.users where tenant_id = \(tx.tenantID) and id = \(id)")
/// }
/// ```
///
/// Every transaction sets `app.tenant_id` before the body runs, so row-level security
/// confines even a query that forgets its `where tenant_id = …` to this tenant's rows.
public struct Database: Sendable {
    let pool: DatabasePool

    /// The injected clock: the time outside a transaction (inside one, use `tx.now`).
    public var clock: any WallClock { pool.clock }

    /// Runs `body` in one transaction scoped to `tenantID`: committed when it returns,
    /// rolled back when it throws. Serialization failures re-run `body` (at most 3 times),
    /// so it must not have effects outside the transaction.
    public func tenant<R: Sendable>(
        _ tenantID: TenantID, isolation: IsolationLevel = .readCommitted,
        _ body: (TenantTransaction) async throws -> R
    ) async throws -> R {
        try await pool.transaction(.tenant(tenantID), isolation: isolation) { tx in
            try await body(TenantTransaction(tenantID: tenantID, tx: tx, now: pool.clock.now.asStored, secrets: pool.secrets))
        }
    }
}

/// A transaction in which row-level security shows one tenant's rows only.
public struct TenantTransaction: Sendable {
    public let tenantID: TenantID
    let tx: Transaction
    /// The injected clock's time when the transaction began (to the microsecond, as stored),
    /// like PostgreSQL's `now()`: one instant for everything the transaction decides and
    /// records. SQL that decides by time (`expires_at > …`) binds this rather than calling
    /// `now()`, so a test that moves the clock moves those decisions too.
    public let now: Date
    let secrets: KeyRing?

    @discardableResult
    public func query(_ sql: SQL) async throws -> [Row] {
        try await tx.query(sql)
    }

    public func execute(_ sql: SQL) async throws {
        try await tx.execute(sql)
    }

    /// Runs a prepared statement (prepared on first use per connection).
    public func execute<Q: PreparedQuery>(_ query: Q) async throws -> [Q.Output] {
        try await tx.execute(query)
    }

    /// Writes `event` to the outbox in this transaction: it is delivered if and only if the
    /// transaction commits.
    public func publish<E: IntegrationEvent>(_ event: E, id: EventID = .generate()) async throws {
        try await Outbox.insert(event, id: id, tenantID: tenantID, into: tx)
    }
}

/// What both kinds of transaction offer, for SQL that reads rows every tenant may see (the
/// plan catalog) and so runs on either path.
public protocol SQLTransaction: Sendable {
    /// The injected clock's time when the transaction began.
    var now: Date { get }
    @discardableResult
    func query(_ sql: SQL) async throws -> [Row]
    func execute(_ sql: SQL) async throws
}

extension TenantTransaction: SQLTransaction {}
extension PlatformTransaction: SQLTransaction {}
