import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `accounts.sessions`. Tokens are stored only as SHA-256 hashes: a leaked table
/// cannot be replayed as bearer tokens.
enum SessionRows {
    /// What authentication needs, found by token hash across tenants (the platform path).
    struct Lookup {
        let tenantID: TenantID
        let sessionID: SessionID
        let userID: UserID
        let role: Role
        /// The user is active and not locked, and their tenant is not suspended.
        let usable: Bool
        let mfaEnrolmentRequired: Bool
        let billingBlocked: Bool
        let expiresAt: Date
        let lastSeenAt: Date
    }

    static func insert(id: SessionID, userID: UserID, tokenHash: [UInt8], expiresAt: Date, userAgent: String?,
                       ipAddress: String?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into accounts.sessions
                (tenant_id, session_id, user_id, token_hash, expires_at, user_agent, ip_address, created_at, last_seen_at)
            values (\(tx.tenantID), \(id), \(userID), \(SQLValue.bytes(tokenHash)), \(expiresAt), \(userAgent), \(ipAddress),
                    \(tx.now), \(tx.now))
            """)
    }

    /// A user's sessions that have not ended (within both expiries), oldest first.
    static func page(of userID: UserID, idleSeconds: Double, _ request: PageRequest,
                     in tx: TenantTransaction) async throws -> Page<SessionInfo> {
        // Live sessions (a support view is held to its time box, not to idleness), and support's
        // views of the last 30 days that have ended: the person sees who looked, when and why.
        let rows = try await tx.query("""
            select * from (
                select s.session_id, s.created_at, s.last_seen_at, s.expires_at, s.user_agent, s.ip_address,
                       i.staff_name, i.reason, i.started_at, i.ends_at, i.ended_at, i.can_write
                  from accounts.sessions s
                  left join accounts.impersonations i on i.tenant_id = s.tenant_id and i.session_id = s.session_id
                 where s.tenant_id = \(tx.tenantID) and s.user_id = \(userID) and s.expires_at > \(tx.now)
                   and (i.session_id is not null or s.last_seen_at > \(tx.now)::timestamptz - make_interval(secs => \(idleSeconds)))
                union all
                select i.session_id, i.started_at, i.ended_at, i.ended_at, null, null,
                       i.staff_name, i.reason, i.started_at, i.ends_at, i.ended_at, i.can_write
                  from accounts.impersonations i
                 where i.tenant_id = \(tx.tenantID) and i.user_id = \(userID) and i.ended_at is not null
                   and i.started_at > \(tx.now)::timestamptz - interval '30 days'
            ) listed
            where (\(request.after)::uuid is null or session_id > \(request.after))
            order by session_id
            limit \(request.limit + 1)
            """)
        return Page(fetched: try rows.map { row in
            let staffName: String? = try row.decode("staff_name")
            return SessionInfo(id: try row.decode("session_id"), createdAt: try row.decode("created_at"),
                               lastSeenAt: try row.decode("last_seen_at"), expiresAt: try row.decode("expires_at"),
                               userAgent: try row.decode("user_agent"), ipAddress: try row.decode("ip_address"),
                               supportView: try staffName.map { name in
                                   SupportView(staffName: name, reason: try row.decode("reason"), startedAt: try row.decode("started_at"),
                                               endsAt: try row.decode("ends_at"), endedAt: try row.decode("ended_at"),
                                               canChange: try row.decode("can_write"))
                               })
        }, limit: request.limit, id: \.id.rawValue)
    }

    /// Ends one of this user's sessions; `false` if they have none with that id.
    static func delete(_ id: SessionID, of userID: UserID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            delete from accounts.sessions where tenant_id = \(tx.tenantID) and session_id = \(id) and user_id = \(userID)
            returning 1
            """).isEmpty
    }

    /// Ends every session of the user but `kept`.
    static func deleteAll(of userID: UserID, except kept: SessionID?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            delete from accounts.sessions
            where tenant_id = \(tx.tenantID) and user_id = \(userID) and (\(kept)::uuid is null or session_id <> \(kept))
            """)
    }

    /// The session a token hash names, with what authentication needs, across tenants: one
    /// prepared read, sent with the platform scope in one round trip (`PlatformDatabase.read`).
    /// The caller decides expiry by its clock.
    static func lookup(tokenHash: [UInt8], in platform: PlatformDatabase) async throws -> Lookup? {
        try await platform.read("session lookup", ByTokenHash(hash: tokenHash)).first
    }

    private struct ByTokenHash: PreparedQuery {
        static let sql = """
            select s.tenant_id, s.session_id, s.user_id, u.role,
                   u.status = 'active' and u.locked_at is null and t.status = 'active' as usable,
                   s.expires_at, s.last_seen_at, t.require_mfa and u.mfa_enabled_at is null as mfa_enrolment_required,
                   t.billing_blocked
              from accounts.sessions s
              join accounts.users u on u.tenant_id = s.tenant_id and u.user_id = s.user_id
              join accounts.tenants t on t.tenant_id = s.tenant_id
             where s.token_hash = $1
            """
        let hash: [UInt8]
        var arguments: [SQLValue] { [.bytes(hash)] }
        func decode(_ row: Row) throws -> Lookup {
            Lookup(tenantID: try row.decode("tenant_id"), sessionID: try row.decode("session_id"),
                   userID: try row.decode("user_id"), role: try row.decode("role", as: Role.self),
                   usable: try row.decode("usable"),
                   mfaEnrolmentRequired: try row.decode("mfa_enrolment_required"),
                   billingBlocked: try row.decode("billing_blocked"),
                   expiresAt: try row.decode("expires_at"), lastSeenAt: try row.decode("last_seen_at"))
        }
    }

    static func touch(_ id: SessionID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.sessions set last_seen_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and session_id = \(id)
            """)
    }

    static func delete(_ id: SessionID, in tx: TenantTransaction) async throws {
        try await tx.execute("delete from accounts.sessions where tenant_id = \(tx.tenantID) and session_id = \(id)")
    }

    /// Ends every session of the user; returns how many there were.
    @discardableResult
    static func deleteAll(of userID: UserID, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            delete from accounts.sessions where tenant_id = \(tx.tenantID) and user_id = \(userID) returning 1
            """).count
    }

    /// Ends every session of the tenant (it was suspended).
    static func deleteAllOfTenant(in tx: TenantTransaction) async throws {
        try await tx.execute("delete from accounts.sessions where tenant_id = \(tx.tenantID)")
    }
}
