import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `platform.staff`. Staff belong to no tenant, so every statement runs on the
/// platform path.
enum StaffRows {
    /// What a member's TOTP secret is sealed as, in `platform.staff` and, while the first
    /// sign-in sets it up, in `platform.staff_sessions` (the row is the member either way).
    static let totpPurpose = "platform.staff.totp"

    static let columns: SQL = """
        m.staff_id, m.email, m.name, m.role, m.status, m.mfa_enabled_at is not null as mfa_enabled,
        m.must_change_password, m.version, m.created_at
        """

    static func insert(id: StaffID, email: String, name: String, role: StaffRole, passwordHash: String,
                       in tx: PlatformTransaction) async throws -> StaffMember? {
        try await tx.query("""
            insert into platform.staff as m (staff_id, email, name, role, password_hash, created_at, updated_at)
            values (\(id), \(email), \(name), \(role.rawValue), \(passwordHash), \(tx.now), \(tx.now))
            on conflict (lower(email)) do nothing
            returning \(columns)
            """).first.map(decode)
    }

    static func find(_ id: StaffID, in tx: PlatformTransaction, lock: Bool = false) async throws -> StaffMember? {
        try await tx.query("""
            select \(columns) from platform.staff m where staff_id = \(id) \(unsafeRaw: lock ? "for update" : "")
            """).first.map(decode)
    }

    /// The member and their password hash, for sign-in.
    static func credentials(email: String, in tx: PlatformTransaction) async throws -> (StaffMember, String)? {
        guard let row = try await tx.query("""
            select \(columns), password_hash from platform.staff m where lower(email) = lower(\(email))
            """).first else { return nil }
        return (try decode(row), try row.decode("password_hash"))
    }

    static func all(in tx: PlatformTransaction) async throws -> [StaffMember] {
        try await tx.query("select \(columns) from platform.staff m order by lower(m.email)").map(decode)
    }

    /// Active admins, locked: two admins demoting each other at once serialise here.
    static func lockActiveAdmins(in tx: PlatformTransaction) async throws -> [StaffID] {
        try await tx.query("""
            select staff_id from platform.staff where role = 'admin' and status = 'active' order by staff_id for update
            """).map { try $0.decode("staff_id") }
    }

    static func update(_ id: StaffID, expectedVersion: Int, role: StaffRole, status: StaffMember.Status,
                       in tx: PlatformTransaction) async throws -> StaffMember? {
        try await tx.query("""
            update platform.staff m set role = \(role.rawValue), status = \(status.rawValue), version = version + 1,
                   updated_at = \(tx.now)
            where staff_id = \(id) and version = \(expectedVersion)
            returning \(columns)
            """).first.map(decode)
    }

    /// The first sign-in's end: the member's own password and a confirmed TOTP secret.
    static func completeSetup(_ id: StaffID, passwordHash: String, secret: Data, step: Int64,
                              in tx: PlatformTransaction) async throws {
        try await tx.execute("""
            update platform.staff
            set password_hash = \(passwordHash), must_change_password = false,
                mfa_secret = \(SQLValue.bytes(Array(try tx.seal(secret, purpose: totpPurpose, row: id.description).utf8))),
                mfa_enabled_at = \(tx.now), mfa_last_step = \(Int(step)), version = version + 1, updated_at = \(tx.now)
            where staff_id = \(id)
            """)
    }

    /// The TOTP secret and the last step used, locked so that a code is accepted once.
    static func lockMFA(_ id: StaffID, in tx: PlatformTransaction) async throws -> (secret: Data?, lastStep: Int64?)? {
        guard let row = try await tx.query("""
            select mfa_secret, mfa_last_step from platform.staff where staff_id = \(id) for update
            """).first else { return nil }
        return (try row.bytes("mfa_secret").map { Data(try tx.open($0, purpose: totpPurpose, row: id.description)) },
                try row.decode("mfa_last_step", as: Int?.self).map(Int64.init))
    }

    /// Checks a code from the member's authenticator and spends its step (under the row's lock,
    /// so a code works once): the second sign-in step, and the step-up before recovery codes or
    /// "view as". `false` when it is not right (or the member has no TOTP).
    static func useTOTPCode(_ id: StaffID, _ code: String, in tx: PlatformTransaction) async throws -> Bool {
        guard let mfa = try await lockMFA(id, in: tx), let secret = mfa.secret,
              let step = TOTP(secret: secret).verify(code, at: tx.now, after: mfa.lastStep) else { return false }
        try await useStep(id, step, in: tx)
        return true
    }

    /// A new one-time password, TOTP cleared: the member's next sign-in is a first one.
    static func reset(_ id: StaffID, expectedVersion: Int, passwordHash: String, in tx: PlatformTransaction) async throws -> StaffMember? {
        try await tx.query("""
            update platform.staff m
               set password_hash = \(passwordHash), must_change_password = true, mfa_secret = null, mfa_enabled_at = null,
                   mfa_last_step = null, invite_token_hash = null, invite_expires_at = null,
                   version = version + 1, updated_at = \(tx.now)
             where staff_id = \(id) and version = \(expectedVersion)
            returning \(columns)
            """).first.map(decode)
    }

    /// The invitation link's hash and expiry (a member invited by email).
    static func setInvitation(_ id: StaffID, tokenHash: [UInt8], expiresAt: Date, in tx: PlatformTransaction) async throws {
        try await tx.execute("""
            update platform.staff set invite_token_hash = \(SQLValue.bytes(tokenHash)), invite_expires_at = \(expiresAt)
             where staff_id = \(id)
            """)
    }

    /// The member an unexpired invitation link belongs to, the link used up (it works once).
    static func takeInvitation(tokenHash: [UInt8], in tx: PlatformTransaction) async throws -> StaffMember? {
        try await tx.query("""
            update platform.staff m set invite_token_hash = null, invite_expires_at = null
             where invite_token_hash = \(SQLValue.bytes(tokenHash)) and invite_expires_at > \(tx.now) and status = 'active'
            returning \(columns)
            """).first.map(decode)
    }

    /// Replaces the member's recovery codes (none, to clear them).
    static func replaceRecoveryCodes(_ id: StaffID, _ codes: [String], in tx: PlatformTransaction) async throws {
        try await tx.execute("delete from platform.staff_recovery_codes where staff_id = \(id)")
        for code in codes {
            try await tx.execute("""
                insert into platform.staff_recovery_codes (staff_id, code_hash) values (\(id), \(SQLValue.bytes(RecoveryCode.hash(code))))
                """)
        }
    }

    /// Uses a recovery code if it is one of the member's and unused.
    static func useRecoveryCode(_ id: StaffID, _ code: String, in tx: PlatformTransaction) async throws -> Bool {
        try await !tx.query("""
            update platform.staff_recovery_codes set used_at = \(tx.now)
             where staff_id = \(id) and code_hash = \(SQLValue.bytes(RecoveryCode.hash(code))) and used_at is null
            returning 1
            """).isEmpty
    }

    static func recoveryCodesLeft(_ id: StaffID, in tx: PlatformTransaction) async throws -> Int {
        try await tx.query("""
            select count(*)::int8 as left from platform.staff_recovery_codes where staff_id = \(id) and used_at is null
            """)[0].decode("left", as: Int.self)
    }

    static func useStep(_ id: StaffID, _ step: Int64, in tx: PlatformTransaction) async throws {
        try await tx.execute("update platform.staff set mfa_last_step = \(Int(step)) where staff_id = \(id)")
    }

    static func decode(_ row: Row) throws -> StaffMember {
        StaffMember(id: try row.decode("staff_id"), email: try row.decode("email"), name: try row.decode("name"),
                    role: try row.decode("role", as: StaffRole.self),
                    status: try row.decode("status", as: StaffMember.Status.self),
                    mfaEnabled: try row.decode("mfa_enabled"), mustChangePassword: try row.decode("must_change_password"),
                    version: try row.decode("version"), createdAt: try row.decode("created_at"))
    }
}
