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

    /// Runs one prepared read across tenants: [the platform scope, read-only; the read] in one
    /// round trip, with no `begin` or `commit` (`Transaction.Reading`), its lock waits bounded
    /// like any transaction's. For the session lookups every request starts with; they were SQL
    /// functions that set their own scope, which cost PostgreSQL more than the scope sent beside
    /// the read (docs/benchmarks.md).
    ///
    /// Only a read: a statement that writes (PostgreSQL refused it read-only, and it began the
    /// transaction, `Transaction.Reading`) fails, and its transaction is rolled back.
    public func read<Q: PreparedQuery>(_ purpose: String, _ query: Q) async throws -> [Q.Output] {
        try await pool.transaction(.platform(purpose: purpose), isolation: .readCommitted) { tx in
            let rows = try await tx.execute(query)
            guard !tx.opening.isSent else {
                throw AppError(.internalError, "The request could not be completed.",
                               diagnostics: "PlatformDatabase.read (\(purpose)) ran a statement that writes")
            }
            return rows
        }
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
