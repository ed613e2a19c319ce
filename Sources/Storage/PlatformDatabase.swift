public import Foundation
public import Kernel

/// The cross-tenant path, for the few components whose job spans tenants: the event
/// dispatcher, the staff console's search, operator commands.
///
/// It is a separate type, made only by `DatabasePool.platformDatabase()` in the composition
/// root, so module code holding a `Database` cannot reach it. In SQL it sets
/// `app.platform = 'on'`, which the policies honour for reads (and, on the outbox, for the
/// dispatcher's bookkeeping); tenant rows are written only through the tenant path.
public struct PlatformDatabase: Sendable {
    let pool: DatabasePool

    /// The injected clock: the time outside a transaction (inside one, use `tx.now`).
    public var clock: any WallClock { pool.clock }

    /// Runs `body` in one cross-tenant transaction. `purpose` is logged with it.
    public func platform<R: Sendable>(
        _ purpose: String, isolation: IsolationLevel = .readCommitted,
        _ body: (PlatformTransaction) async throws -> R
    ) async throws -> R {
        try await pool.transaction(.platform(purpose: purpose), isolation: isolation) { tx in
            try await body(PlatformTransaction(tx: tx, now: pool.clock.now.asStored, secrets: pool.secrets))
        }
    }

    /// Runs one prepared statement on its own: no `begin`, no scope, no `commit`, so one round
    /// trip. Row-level security sees neither a tenant nor the platform flag, so the statement
    /// sees no tenant rows unless it brings its scope with it: a function that sets
    /// `app.platform` for its own query (`accounts.session_by_token_hash`, the one hot
    /// cross-tenant read). Nothing bounds its lock waits either, so `make` gets the
    /// `lock_timeout` to pass on (what the request's wait budget has left, e.g. `"4900ms"`).
    public func statement<Q: PreparedQuery>(_ make: (_ lockTimeout: String) -> Q) async throws -> [Q.Output] {
        try await pool.statement(make)
    }

    /// The tenant path, for work the platform does on one tenant's behalf (a subscriber
    /// handling that tenant's event).
    public var tenants: Database { pool.database }
}

/// A transaction that may read every tenant's rows.
public struct PlatformTransaction: Sendable {
    let tx: Transaction
    /// The injected clock's time when the transaction began (see `TenantTransaction.now`).
    public let now: Date
    let secrets: KeyRing?

    @discardableResult
    public func query(_ sql: SQL) async throws -> [Row] {
        try await tx.query(sql)
    }

    public func execute(_ sql: SQL) async throws {
        try await tx.execute(sql)
    }

    /// Writes one of the platform's own events (a staff invitation) to the outbox, under
    /// `TenantID.platform`: delivered if and only if this transaction commits.
    public func publish<E: IntegrationEvent>(_ event: E, id: EventID = .generate()) async throws {
        try await Outbox.insert(event, id: id, tenantID: .platform, into: tx)
    }
}
