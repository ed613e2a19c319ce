import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `accounts.api_keys`. Keys are stored as SHA-256 hashes; `prefix` is for people.
enum APIKeyRows {
    static let columns: SQL = "api_key_id, name, prefix, permissions, created_by, created_at, last_used_at, revoked_at"

    /// What authentication needs, found by key hash across tenants.
    struct Lookup {
        let tenantID: TenantID
        let keyID: APIKeyID
        let userID: UserID
        let role: Role
        let scopes: Set<Permission>
        /// Not revoked, and its creator is active.
        let usable: Bool
        let billingBlocked: Bool
        let lastUsedAt: Date?
        let now: Date
    }

    static func insert(id: APIKeyID, name: String, prefix: String, hash: [UInt8], permissions: [Permission],
                       createdBy: UserID, in tx: TenantTransaction) async throws -> APIKey {
        try decode(try await tx.query("""
            insert into accounts.api_keys (tenant_id, api_key_id, name, prefix, key_hash, permissions, created_by, created_at)
            values (\(tx.tenantID), \(id), \(name), \(prefix), \(SQLValue.bytes(hash)), \(permissions.map(\.rawValue)), \(createdBy),
                    \(tx.now))
            returning \(columns)
            """)[0])
    }

    static func lookup(hash: [UInt8], in tx: PlatformTransaction) async throws -> Lookup? {
        guard let row = try await tx.query("""
            select k.tenant_id, k.api_key_id, k.created_by, u.role, k.permissions, k.last_used_at,
                   k.revoked_at is null and u.status = 'active' and u.locked_at is null and t.status = 'active' as usable,
                   t.billing_blocked
            from accounts.api_keys k
            join accounts.users u on u.tenant_id = k.tenant_id and u.user_id = k.created_by
            join accounts.tenants t on t.tenant_id = k.tenant_id
            where k.key_hash = \(SQLValue.bytes(hash))
            """).first else { return nil }
        return Lookup(tenantID: try row.decode("tenant_id"), keyID: try row.decode("api_key_id"),
                      userID: try row.decode("created_by"), role: try row.decode("role", as: Role.self),
                      // A permission that no longer exists grants nothing: dropping it only narrows the key.
                      scopes: Set(try row.decode("permissions", as: [String].self).compactMap(Permission.init(rawValue:))),
                      usable: try row.decode("usable"), billingBlocked: try row.decode("billing_blocked"),
                      lastUsedAt: try row.decode("last_used_at"), now: tx.now)
    }

    static func touch(_ id: APIKeyID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.api_keys set last_used_at = \(tx.now) where tenant_id = \(tx.tenantID) and api_key_id = \(id)
            """)
    }

    /// Revokes the key (again is fine); `false` if the tenant has no such key.
    static func revoke(_ id: APIKeyID, in tx: TenantTransaction) async throws -> (before: APIKey, after: APIKey)? {
        guard let before = try await tx.query("""
            select \(columns) from accounts.api_keys where tenant_id = \(tx.tenantID) and api_key_id = \(id) for update
            """).first.map(decode) else { return nil }
        let after = try decode(try await tx.query("""
            update accounts.api_keys set revoked_at = coalesce(revoked_at, \(tx.now))
            where tenant_id = \(tx.tenantID) and api_key_id = \(id) returning \(columns)
            """)[0])
        return (before, after)
    }

    static func page(_ request: PageRequest, in tx: TenantTransaction) async throws -> Page<APIKey> {
        let rows = try await tx.query("""
            select \(columns) from accounts.api_keys
            where tenant_id = \(tx.tenantID) and (\(request.after)::uuid is null or api_key_id > \(request.after))
            order by api_key_id limit \(request.limit + 1)
            """)
        return Page(fetched: try rows.map(decode), limit: request.limit, id: \.id.rawValue)
    }

    static func decode(_ row: Row) throws -> APIKey {
        APIKey(id: try row.decode("api_key_id"), name: try row.decode("name"), prefix: try row.decode("prefix"),
               permissions: try row.decode("permissions", as: [String].self).compactMap(Permission.init(rawValue:)).sorted(),
               createdBy: try row.decode("created_by"), createdAt: try row.decode("created_at"),
               lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
    }
}
