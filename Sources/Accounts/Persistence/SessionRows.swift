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
        let userActive: Bool
        let expiresAt: Date
        let lastSeenAt: Date
        let now: Date
    }

    static func insert(id: SessionID, userID: UserID, tokenHash: [UInt8], expiresAt: Date,
                       in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into accounts.sessions (tenant_id, session_id, user_id, token_hash, expires_at)
            values (\(tx.tenantID), \(id), \(userID), \(SQLValue.bytes(tokenHash)), \(expiresAt))
            """)
    }

    static func lookup(tokenHash: [UInt8], in tx: PlatformTransaction) async throws -> Lookup? {
        guard let row = try await tx.query("""
            select s.tenant_id, s.session_id, s.user_id, u.role, u.status, s.expires_at, s.last_seen_at, now() as now
            from accounts.sessions s
            join accounts.users u on u.tenant_id = s.tenant_id and u.user_id = s.user_id
            where s.token_hash = \(SQLValue.bytes(tokenHash))
            """).first else { return nil }
        return Lookup(tenantID: try row.decode("tenant_id"), sessionID: try row.decode("session_id"),
                      userID: try row.decode("user_id"), role: Role(rawValue: try row.decode("role")) ?? .viewer,
                      userActive: try row.decode("status", as: String.self) == "active",
                      expiresAt: try row.decode("expires_at"), lastSeenAt: try row.decode("last_seen_at"),
                      now: try row.decode("now"))
    }

    static func touch(_ id: SessionID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.sessions set last_seen_at = now()
            where tenant_id = \(tx.tenantID) and session_id = \(id)
            """)
    }

    static func delete(_ id: SessionID, in tx: TenantTransaction) async throws {
        try await tx.execute("delete from accounts.sessions where tenant_id = \(tx.tenantID) and session_id = \(id)")
    }

    static func deleteAll(of userID: UserID, in tx: TenantTransaction) async throws {
        try await tx.execute("delete from accounts.sessions where tenant_id = \(tx.tenantID) and user_id = \(userID)")
    }
}
