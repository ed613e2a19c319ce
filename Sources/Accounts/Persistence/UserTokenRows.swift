import Foundation
import Kernel
import Storage

/// SQL for `accounts.user_tokens`: single-use, expiring secrets sent to a person.
enum UserTokenRows {
    enum Purpose: String {
        case verifyEmail = "verify_email", resetPassword = "reset_password", mfaChallenge = "mfa_challenge"
    }

    /// Where a presented token belongs, read across tenants (its holder is not signed in).
    struct Located {
        let tenantID: TenantID
        let tokenID: UUID
    }

    /// A token, locked for its single use.
    struct Claim {
        let tokenID: UUID
        let userID: UserID
        let email: String?
        let source: String?
        let userAgent: String?
        let attempts: Int
        /// Not used, not expired.
        let live: Bool
    }

    static func insert(userID: UserID, purpose: Purpose, hash: [UInt8], expiresAt: Date, email: String? = nil,
                       source: String? = nil, userAgent: String? = nil, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into accounts.user_tokens
                (tenant_id, token_id, user_id, purpose, token_hash, email, source, user_agent, expires_at, created_at)
            values (\(tx.tenantID), \(UUID.v7()), \(userID), \(purpose.rawValue), \(SQLValue.bytes(hash)), \(email),
                    \(source), \(userAgent), \(expiresAt), \(tx.now))
            """)
    }

    static func locate(hash: [UInt8], purpose: Purpose, in tx: PlatformTransaction) async throws -> Located? {
        guard let row = try await tx.query("""
            select tenant_id, token_id from accounts.user_tokens
            where token_hash = \(SQLValue.bytes(hash)) and purpose = \(purpose.rawValue)
            """).first else { return nil }
        return Located(tenantID: try row.decode("tenant_id"), tokenID: try row.decode("token_id"))
    }

    /// Locks the token row: two uses of one token serialise here, and the second sees it used.
    static func claim(_ id: UUID, in tx: TenantTransaction) async throws -> Claim? {
        guard let row = try await tx.query("""
            select token_id, user_id, email, source, user_agent, attempts,
                   used_at is null and expires_at > \(tx.now) as live
            from accounts.user_tokens where tenant_id = \(tx.tenantID) and token_id = \(id)
            for update
            """).first else { return nil }
        return Claim(tokenID: try row.decode("token_id"), userID: try row.decode("user_id"), email: try row.decode("email"),
                     source: try row.decode("source"), userAgent: try row.decode("user_agent"),
                     attempts: try row.decode("attempts"), live: try row.decode("live"))
    }

    static func markUsed(_ id: UUID, in tx: TenantTransaction) async throws {
        try await tx.execute("update accounts.user_tokens set used_at = \(tx.now) where tenant_id = \(tx.tenantID) and token_id = \(id)")
    }

    static func countAttempt(_ id: UUID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.user_tokens set attempts = attempts + 1 where tenant_id = \(tx.tenantID) and token_id = \(id)
            """)
    }

    /// Retires the user's other live tokens of this purpose: only the newest link works.
    static func retire(userID: UserID, purpose: Purpose, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.user_tokens set used_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(userID) and purpose = \(purpose.rawValue) and used_at is null
            """)
    }
}
