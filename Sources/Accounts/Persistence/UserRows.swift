import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `accounts.users`.
enum UserRows {
    static let columns: SQL = """
        user_id, tenant_id, email, name, role, status, version, created_at, email_verified_at,
        mfa_enabled_at is not null as mfa_enabled, locked_at, lock_reason
        """

    static func insert(id: UserID, email: String, name: String, role: Role, passwordHash: String, verified: Bool = false,
                       in tx: TenantTransaction) async throws -> User {
        let rows = try await tx.query("""
            insert into accounts.users (tenant_id, user_id, email, name, role, password_hash, email_verified_at,
                                        created_at, updated_at)
            values (\(tx.tenantID), \(id), \(email), \(name), \(role.rawValue), \(passwordHash),
                    case when \(verified) then \(tx.now) end, \(tx.now), \(tx.now))
            returning \(columns)
            """)
        return try decode(rows[0])
    }

    static func find(_ id: UserID, in tx: TenantTransaction, lock: Bool = false) async throws -> User? {
        if !lock { return try await tx.execute(ByID(tenantID: tx.tenantID, userID: id)).first }
        return try await tx.query("""
            select \(columns) from accounts.users where tenant_id = \(tx.tenantID) and user_id = \(id) for update
            """).first.map(decode)
    }

    /// The tenant's active owners, oldest first.
    static func activeOwners(in tx: TenantTransaction) async throws -> [User] {
        try await tx.query("""
            select \(columns) from accounts.users
             where tenant_id = \(tx.tenantID) and role = 'owner' and status = 'active' order by created_at, user_id
            """).map(decode)
    }

    /// The user and their password hash, for login.
    static func credentials(email: String, in tx: TenantTransaction) async throws -> (User, String)? {
        guard let row = try await tx.query("""
            select \(columns), password_hash from accounts.users
            where tenant_id = \(tx.tenantID) and lower(email) = lower(\(email))
            """).first else { return nil }
        return (try decode(row), try row.decode("password_hash"))
    }

    static func page(_ request: PageRequest, in tx: TenantTransaction) async throws -> Page<User> {
        let fetched = try await tx.execute(PageAfter(tenantID: tx.tenantID, after: request.after, limit: request.limit + 1))
        return Page(fetched: fetched, limit: request.limit, id: \.id.rawValue)
    }

    // The two reads behind `GET /v1/users/{id}` and `GET /v1/users`, prepared (docs/benchmarks.md, S1 and S2).
    private struct ByID: PreparedQuery {
        static let sql = "select \(columns) from accounts.users where tenant_id = $1 and user_id = $2"
        let tenantID: TenantID, userID: UserID
        var arguments: [SQLValue] { [tenantID.rawValue.sqlValue, userID.rawValue.sqlValue] }
        func decode(_ row: Row) throws -> User { try UserRows.decode(row) }
    }

    private struct PageAfter: PreparedQuery {
        static let sql = """
            select \(columns) from accounts.users
            where tenant_id = $1 and ($2::uuid is null or user_id > $2::uuid)
            order by user_id
            limit $3
            """
        let tenantID: TenantID, after: UUID?, limit: Int
        var arguments: [SQLValue] { [tenantID.rawValue.sqlValue, after.map(\.sqlValue) ?? .null, limit.sqlValue] }
        func decode(_ row: Row) throws -> User { try UserRows.decode(row) }
    }

    /// Sets role and status and bumps the version, only if the row is still at `expectedVersion`.
    static func update(_ id: UserID, expectedVersion: Int, role: Role, status: User.Status,
                       in tx: TenantTransaction) async throws -> User? {
        try await tx.query("""
            update accounts.users
            set role = \(role.rawValue), status = \(status.rawValue), version = version + 1, updated_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(id) and version = \(expectedVersion)
            returning \(columns)
            """).first.map(decode)
    }

    static func delete(_ id: UserID, expectedVersion: Int, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            delete from accounts.users
            where tenant_id = \(tx.tenantID) and user_id = \(id) and version = \(expectedVersion)
            returning 1
            """).isEmpty
    }

    static func setPasswordHash(_ id: UserID, _ hash: String, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.users set password_hash = \(hash), updated_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(id)
            """)
    }

    /// The password hash of a user, for checking the current password before a change.
    static func passwordHash(_ id: UserID, in tx: TenantTransaction) async throws -> String? {
        try await tx.query("""
            select password_hash from accounts.users where tenant_id = \(tx.tenantID) and user_id = \(id)
            """).first?.decode("password_hash")
    }

    /// Sets the address (when it differs) and marks it verified, bumping the version.
    static func verifyEmail(_ id: UserID, email: String, in tx: TenantTransaction) async throws -> User? {
        try await tx.query("""
            update accounts.users
            set email = \(email), email_verified_at = \(tx.now), version = version + 1, updated_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(id)
            returning \(columns)
            """).first.map(decode)
    }

    /// Whether another user of the tenant has this address.
    static func emailTaken(_ email: String, except id: UserID?, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            select 1 from accounts.users
            where tenant_id = \(tx.tenantID) and lower(email) = lower(\(email)) and (\(id)::uuid is null or user_id <> \(id))
            """).isEmpty
    }

    /// Locks the tenant's active owners and returns their ids. Two concurrent demotions of the
    /// last two owners serialise here, so the second sees that only one is left.
    static func lockActiveOwners(in tx: TenantTransaction) async throws -> [UserID] {
        try await tx.query("""
            select user_id from accounts.users
            where tenant_id = \(tx.tenantID) and role = 'owner' and status = 'active'
            order by user_id for update
            """).map { try $0.decode("user_id") }
    }

    /// Sets or clears a support lock (the reason stays with the lock); bumps the version.
    static func setLock(_ id: UserID, locked: Bool, reason: String, in tx: TenantTransaction) async throws -> User {
        guard let row = try await tx.query("""
            update accounts.users
            set locked_at = case when \(locked) then \(tx.now) end, lock_reason = case when \(locked) then \(reason) end,
                version = version + 1, updated_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and user_id = \(id)
            returning \(columns)
            """).first else { throw AppError(.userNotFound, "There is no such user.") }
        return try decode(row)
    }

    static func decode(_ row: Row) throws -> User {
        User(id: try row.decode("user_id"), tenantID: try row.decode("tenant_id"), email: try row.decode("email"),
             name: try row.decode("name"), role: try row.decode("role", as: Role.self),
             status: try row.decode("status", as: User.Status.self),
             version: try row.decode("version"), createdAt: try row.decode("created_at"),
             emailVerifiedAt: try row.decode("email_verified_at"), mfaEnabled: try row.decode("mfa_enabled"),
             lockedAt: try row.decode("locked_at"), lockReason: try row.decode("lock_reason"))
    }
}
