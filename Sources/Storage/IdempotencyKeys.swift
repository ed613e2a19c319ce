public import Kernel
import Foundation

/// `IdempotencyStore` over `platform.idempotency_keys`.
///
/// A key moves through two states. `begin` claims it ('running', with a lease) in a short
/// transaction of its own; the work then completes it ('done', with the response) inside the
/// work's own transaction, guarded by the claim token. So a crash between the two leaves a
/// running row whose lease runs out, and nothing else: the effect and the stored response
/// commit together or not at all, and a retry after the lease takes the key over.
public struct IdempotencyKeys: IdempotencyStore {
    let pool: DatabasePool
    /// How long a claim holds a key before another request may take it over.
    let lease: Duration
    /// How long answers are kept (at least 24 hours).
    public let retention: Duration

    public init(pool: DatabasePool, lease: Duration = .seconds(60), retention: Duration = .seconds(24 * 3600)) {
        self.pool = pool
        self.lease = lease
        self.retention = retention
    }

    public func begin(scope: IdempotencyScope, key: String, fingerprint: [UInt8]) async throws -> IdempotencyDecision {
        let token = UUID()
        // Claim a new key, or take over one whose earlier holder's lease ran out (it crashed or
        // gave up without an effect: a completed key is 'done', never taken over). One
        // statement, so one round trip: [scope; claim] as a transaction of its own
        // (`DatabasePool.writeAlone`). A claim commits without waiting for its WAL flush
        // (`synchronous_commit` off, set by the returned row, so only when something was
        // written): the work's durable commit flushes it too, and a claim lost in a crash before
        // that is harmless (the work never committed; the retry claims afresh). One fsync less
        // per request.
        let claimed = try await pool.writeAlone(Self.dbScope(scope), """
            insert into platform.idempotency_keys (scope, key, tenant_id, fingerprint, state, claim, locked_until)
            values (\(scope.rawValue), \(key), \(scope.tenantID), \(SQLValue.bytes(fingerprint)), 'running', \(token),
                    now() + make_interval(secs => \(Double(lease.components.seconds))))
            on conflict (scope, key) do update
                set claim = excluded.claim, locked_until = excluded.locked_until, created_at = now()
                where idempotency_keys.state = 'running' and idempotency_keys.locked_until < now()
                  and idempotency_keys.fingerprint = excluded.fingerprint
            returning claim, set_config('synchronous_commit', 'off', true) as async_commit
            """)
        if !claimed.isEmpty {
            return .proceed(IdempotencyClaim(scope: scope, key: key, token: token))
        }
        // Held by another request, or done: what it holds decides.
        return try await pool.transaction(Self.dbScope(scope), isolation: .readCommitted) { tx in
            let rows = try await tx.query("""
                select fingerprint, state, status, headers->>'content-type' as content_type, body
                from platform.idempotency_keys where scope = \(scope.rawValue) and key = \(key)
                """)
            guard let row = rows.first else {
                // Purged between the two statements: treat as in flight; the client retries.
                return .inFlight
            }
            guard try row.bytes("fingerprint") == fingerprint else { return .mismatch }
            guard try row.decode("state", as: String.self) == "done" else { return .inFlight }
            let body = try row.bytes("body") ?? []
            return .replay(StoredResponse(status: try row.decode("status"),
                                          contentType: try row.decode("content_type", as: String?.self) ?? "application/json",
                                          body: try pool.secrets.map { try $0.open(body, for: Self.binding(scope, key)) } ?? body))
        }
    }

    public func complete(_ claim: IdempotencyClaim, with response: StoredResponse) async throws {
        try await pool.transaction(Self.dbScope(claim.scope), isolation: .readCommitted) { tx in
            try await Self.complete(claim, with: response, in: tx, secrets: pool.secrets)
        }
    }

    public func release(_ claim: IdempotencyClaim) async throws {
        try await pool.transaction(Self.dbScope(claim.scope), isolation: .readCommitted) { tx in
            try await tx.execute("""
                delete from platform.idempotency_keys
                where scope = \(claim.scope.rawValue) and key = \(claim.key) and claim = \(claim.token) and state = 'running'
                """)
        }
    }

    /// Deletes answers older than the retention period; returns how many.
    @discardableResult
    public func purge() async throws -> Int {
        try await pool.transaction(.platform(purpose: "purge idempotency keys"), isolation: .readCommitted) { tx in
            let rows = try await tx.query("""
                delete from platform.idempotency_keys
                where created_at < now() - make_interval(secs => \(Double(retention.components.seconds)))
                returning 1
                """)
            return rows.count
        }
    }

    /// What a stored answer is sealed as: an answer may hold a secret shown once (a session
    /// token at signup, a webhook secret), and it is kept a day.
    static func binding(_ scope: IdempotencyScope, _ key: String) -> SecretBinding {
        SecretBinding(tenant: scope.tenantID, purpose: sealedColumn.purpose, row: "\(scope.rawValue)/\(key)")
    }

    static func complete(_ claim: IdempotencyClaim, with response: StoredResponse, in tx: Transaction,
                         secrets: KeyRing?) async throws {
        let body = secrets.map { Array($0.seal(response.body, for: binding(claim.scope, claim.key)).utf8) } ?? response.body
        let headers = try String(decoding: JSONEncoder().encode(["content-type": response.contentType]), as: UTF8.self)
        let rows = try await tx.query("""
            update platform.idempotency_keys
            set state = 'done', status = \(response.status), headers = \(SQLValue.jsonb(headers)),
                body = \(SQLValue.bytes(body))
            where scope = \(claim.scope.rawValue) and key = \(claim.key) and claim = \(claim.token) and state = 'running'
            returning 1
            """)
        guard !rows.isEmpty else {
            // Our lease ran out and another request took the key over: this attempt must not
            // commit its effect as well.
            throw AppError(.idempotencyKeyInFlight,
                           "Another request with this Idempotency-Key took over while this one ran; retry to get its answer.")
        }
    }

    /// The stored answers, sealed (`keel secrets rotate`); anonymous keys have no tenant.
    public static let sealedColumn = SealedColumn("platform.idempotency_keys", "body", row: "scope || '/' || key",
                                                  purpose: "platform.idempotency_keys.body", bytes: true)

    static func dbScope(_ scope: IdempotencyScope) -> DatabasePool.Scope {
        scope.tenantID.map { .tenant($0) } ?? .unscoped
    }
}

extension TenantTransaction {
    /// Records the idempotent response for `result` in this transaction, so it commits with the effect.
    public func complete<R>(_ completion: IdempotentCompletion<R>, with result: R) async throws {
        try await IdempotencyKeys.complete(completion.claim, with: try completion.render(result), in: tx, secrets: secrets)
    }
}
