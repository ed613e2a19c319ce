import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `accounts.tenants`.
enum TenantRows {
    static func insert(id: TenantID, slug: TenantSlug, name: TenantName, in tx: TenantTransaction) async throws -> Tenant {
        let rows = try await tx.query("""
            insert into accounts.tenants (tenant_id, slug, name) values (\(id), \(slug.value), \(name.value))
            returning tenant_id, slug, name, status, version, created_at
            """)
        return try decode(rows[0])
    }

    static func find(_ id: TenantID, in tx: TenantTransaction) async throws -> Tenant? {
        try await tx.query("""
            select tenant_id, slug, name, status, version, created_at from accounts.tenants where tenant_id = \(id)
            """).first.map(decode)
    }

    /// The tenant with this slug, read across tenants (sign-in comes before any tenant is known).
    static func find(slug: String, in tx: PlatformTransaction) async throws -> Tenant? {
        try await tx.query("""
            select tenant_id, slug, name, status, version, created_at from accounts.tenants where slug = \(slug)
            """).first.map(decode)
    }

    static func decode(_ row: Row) throws -> Tenant {
        Tenant(id: try row.decode("tenant_id"), slug: try row.decode("slug"), name: try row.decode("name"),
               status: Tenant.Status(rawValue: try row.decode("status")) ?? .suspended,
               version: try row.decode("version"), createdAt: try row.decode("created_at"))
    }
}
