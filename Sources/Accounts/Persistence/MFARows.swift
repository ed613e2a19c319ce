import Foundation
import Kernel
import Storage

/// SQL for a user's TOTP state (columns of `accounts.users`) and `accounts.recovery_codes`.
enum MFARows {
    struct State {
        let secret: Data?
        let lastStep: Int64?
        let pendingSecret: Data?
        let pendingLive: Bool
        let email: String
    }

    /// What a user's TOTP secrets (the pending one and the confirmed one) are sealed as: the
    /// pending secret becomes the confirmed one by a copy in SQL, so both share the binding.
    static let purpose = "accounts.totp"

    /// Locks the user's row: two codes presented at once cannot both pass.
    static func lock(_ userID: UserID, in tx: TenantTransaction) async throws -> State? {
        guard let row = try await tx.query("""
            select mfa_secret, mfa_last_step, mfa_pending_secret, coalesce(mfa_pending_until > \(tx.now), false) as pending_live, email
            from accounts.users where tenant_id = \(tx.tenantID) and user_id = \(userID)
            for update
            """).first else { return nil }
        let open = { (stored: [UInt8]) in Data(try tx.open(stored, purpose: purpose, row: userID.description)) }
        return State(secret: try row.bytes("mfa_secret").map(open), lastStep: try row.decode("mfa_last_step", as: Int?.self).map(Int64.init),
                     pendingSecret: try row.bytes("mfa_pending_secret").map(open),
                     pendingLive: try row.decode("pending_live"), email: try row.decode("email"))
    }

    static func setPending(_ userID: UserID, secret: Data, until: Date, in tx: TenantTransaction) async throws {
        let sealed = try tx.seal(secret, purpose: purpose, row: userID.description)
        try await tx.execute("""
            update accounts.users set mfa_pending_secret = \(SQLValue.bytes(Array(sealed.utf8))), mfa_pending_until = \(until)
            where tenant_id = \(tx.tenantID) and user_id = \(userID)
            """)
    }

    /// The pending secret becomes the secret; `step` is the code just used.
    static func enable(_ userID: UserID, step: Int64, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.users
            set mfa_secret = mfa_pending_secret, mfa_enabled_at = \(tx.now), mfa_last_step = \(Int(step)),
                mfa_pending_secret = null, mfa_pending_until = null, version = version + 1, updated_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(userID)
            """)
    }

    static func disable(_ userID: UserID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.users
            set mfa_secret = null, mfa_enabled_at = null, mfa_last_step = null, version = version + 1, updated_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(userID)
            """)
        try await tx.execute("delete from accounts.recovery_codes where tenant_id = \(tx.tenantID) and user_id = \(userID)")
    }

    static func useStep(_ userID: UserID, _ step: Int64, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.users set mfa_last_step = \(Int(step)) where tenant_id = \(tx.tenantID) and user_id = \(userID)
            """)
    }

    /// Replaces the user's recovery codes.
    static func replaceRecoveryCodes(_ userID: UserID, _ codes: [String], in tx: TenantTransaction) async throws {
        try await tx.execute("delete from accounts.recovery_codes where tenant_id = \(tx.tenantID) and user_id = \(userID)")
        for code in codes {
            try await tx.execute("""
                insert into accounts.recovery_codes (tenant_id, user_id, code_hash)
                values (\(tx.tenantID), \(userID), \(SQLValue.bytes(RecoveryCode.hash(code))))
                """)
        }
    }

    /// Uses a recovery code if it is one of the user's and unused.
    static func useRecoveryCode(_ userID: UserID, _ code: String, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            update accounts.recovery_codes set used_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(userID)
              and code_hash = \(SQLValue.bytes(RecoveryCode.hash(code))) and used_at is null
            returning 1
            """).isEmpty
    }

    /// Recovery codes the user has not used yet.
    static func recoveryCodesLeft(_ userID: UserID, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            select count(*)::int8 as left from accounts.recovery_codes
            where tenant_id = \(tx.tenantID) and user_id = \(userID) and used_at is null
            """)[0].decode("left", as: Int.self)
    }
}
