import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `platform.staff_sessions`. Like tenant sessions, the cookie's token is stored only
/// as its SHA-256.
enum StaffSessionRows {
    struct Found {
        let sessionID: UUID
        let member: StaffMember
        let stage: StaffSession.Stage
        let csrfToken: String
        let pendingSecret: Data?
        let attempts: Int
        let idleFor: TimeInterval
        let expired: Bool
    }

    static func insert(staffID: StaffID, tokenHash: [UInt8], stage: StaffSession.Stage, pendingSecret: Data?,
                       expiresAt: Date, source: String?, userAgent: String?, in tx: PlatformTransaction) async throws {
        try await tx.execute("""
            insert into platform.staff_sessions
                (session_id, staff_id, token_hash, csrf_token, stage, pending_secret, expires_at, ip_address, user_agent,
                 created_at, last_seen_at)
            values (\(UUID.v7()), \(staffID), \(SQLValue.bytes(tokenHash)), \(SecretToken.make(.csrf).token),
                    \(stage.rawValue), \(try pendingSecret.map { SQLValue.bytes(Array(try tx.seal($0, purpose: StaffRows.totpPurpose, row: staffID.description).utf8)) }), \(expiresAt), \(source), \(userAgent),
                    \(tx.now), \(tx.now))
            """)
    }

    /// The session with this token hash and its member, locked when asked (a sign-in step
    /// changes it).
    static func find(tokenHash: [UInt8], in tx: PlatformTransaction, lock: Bool = false) async throws -> Found? {
        guard let row = try await tx.query("""
            select s.session_id, s.stage, s.csrf_token, s.pending_secret, s.attempts,
                   extract(epoch from \(tx.now)::timestamptz - s.last_seen_at)::float8 as idle_for,
                   s.expires_at <= \(tx.now) as expired,
                   \(StaffRows.columns)
            from platform.staff_sessions s join platform.staff m using (staff_id)
            where s.token_hash = \(SQLValue.bytes(tokenHash))
            \(unsafeRaw: lock ? "for update of s" : "")
            """).first else { return nil }
        let member = try StaffRows.decode(row)
        return Found(sessionID: try row.decode("session_id"), member: member,
                     stage: try row.decode("stage", as: StaffSession.Stage.self),
                     csrfToken: try row.decode("csrf_token"), pendingSecret: try row.bytes("pending_secret").map {
                         Data(try tx.open($0, purpose: StaffRows.totpPurpose, row: member.id.description))
                     },
                     attempts: try row.decode("attempts"), idleFor: try row.decode("idle_for"),
                     expired: try row.decode("expired"))
    }

    /// What resuming a session needs, found by one prepared read across tenants, sent with the
    /// platform scope in one round trip (`PlatformDatabase.read`). The caller decides expiry and
    /// idleness by its clock.
    struct Resumable {
        let sessionID: UUID
        let member: StaffMember
        let stage: StaffSession.Stage
        let csrfToken: String
        let lastSeenAt: Date
        let expiresAt: Date
    }

    static func resumable(tokenHash: [UInt8], in platform: PlatformDatabase) async throws -> Resumable? {
        try await platform.read("staff session lookup", ByTokenHash(hash: tokenHash)).first
    }

    private struct ByTokenHash: PreparedQuery {
        static let sql = """
            select s.session_id, s.stage, s.csrf_token, s.last_seen_at, s.expires_at,
                   m.staff_id, m.email, m.name, m.role, m.status, m.mfa_enabled_at is not null as mfa_enabled,
                   m.must_change_password, m.version, m.created_at
              from platform.staff_sessions s
              join platform.staff m using (staff_id)
             where s.token_hash = $1
            """
        let hash: [UInt8]
        var arguments: [SQLValue] { [.bytes(hash)] }
        func decode(_ row: Row) throws -> Resumable {
            Resumable(sessionID: try row.decode("session_id"), member: try StaffRows.decode(row),
                      stage: try row.decode("stage", as: StaffSession.Stage.self), csrfToken: try row.decode("csrf_token"),
                      lastSeenAt: try row.decode("last_seen_at"), expiresAt: try row.decode("expires_at"))
        }
    }

    static func touch(_ id: UUID, in tx: PlatformTransaction) async throws {
        try await tx.execute("update platform.staff_sessions set last_seen_at = \(tx.now) where session_id = \(id)")
    }

    static func countAttempt(_ id: UUID, in tx: PlatformTransaction) async throws {
        try await tx.execute("update platform.staff_sessions set attempts = attempts + 1 where session_id = \(id)")
    }

    static func delete(_ id: UUID, in tx: PlatformTransaction) async throws {
        try await tx.execute("delete from platform.staff_sessions where session_id = \(id)")
    }

    static func deleteAll(of staffID: StaffID, in tx: PlatformTransaction) async throws {
        try await tx.execute("delete from platform.staff_sessions where staff_id = \(staffID)")
    }
}
