import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `accounts.tenants`.
enum TenantRows {
    static func insert(id: TenantID, slug: TenantSlug, name: TenantName, in tx: TenantTransaction) async throws -> Tenant {
        let rows = try await tx.query("""
            insert into accounts.tenants (tenant_id, slug, name, created_at, updated_at)
            values (\(id), \(slug.value), \(name.value), \(tx.now), \(tx.now))
            returning \(columns)
            """)
        return try decode(rows[0])
    }

    static let columns: SQL = "tenant_id, slug, name, status, version, created_at, require_mfa"

    static func find(_ id: TenantID, in tx: TenantTransaction, lock: Bool = false) async throws -> Tenant? {
        try await tx.query("""
            select \(columns) from accounts.tenants where tenant_id = \(id) \(lock ? SQL(stringLiteral: "for update") : "")
            """).first.map(decode)
    }

    /// The tenant with this slug, read across tenants (sign-in comes before any tenant is known).
    static func find(slug: String, in tx: PlatformTransaction) async throws -> Tenant? {
        try await tx.query("""
            select \(columns) from accounts.tenants where slug = \(slug)
            """).first.map(decode)
    }

    /// These tenants, read across tenants in one query (the console's lists name them).
    static func find(_ ids: [TenantID], in tx: PlatformTransaction) async throws -> [Tenant] {
        try await tx.query("""
            select \(columns) from accounts.tenants where tenant_id = any(\(SQLValue.uuids(ids.map(\.rawValue))))
            """).map(decode)
    }

    static func decode(_ row: Row) throws -> Tenant {
        Tenant(id: try row.decode("tenant_id"), slug: try row.decode("slug"), name: try row.decode("name"),
               status: try row.decode("status", as: Tenant.Status.self),
               version: try row.decode("version"), createdAt: try row.decode("created_at"),
               requireMFA: try row.decode("require_mfa"))
    }

    /// Applies new settings if the row is still at `expectedVersion`.
    static func update(_ id: TenantID, expectedVersion: Int, name: String, requireMFA: Bool,
                       in tx: TenantTransaction) async throws -> Tenant? {
        try await tx.query("""
            update accounts.tenants
            set name = \(name), require_mfa = \(requireMFA), version = version + 1, updated_at = \(tx.now)
            where tenant_id = \(id) and version = \(expectedVersion)
            returning \(columns)
            """).first.map(decode)
    }

    /// Suspends or reactivates, with the staff member's reason; bumps the version.
    static func setStatus(_ id: TenantID, _ status: Tenant.Status, reason: String, in tx: TenantTransaction) async throws -> Tenant {
        guard let row = try await tx.query("""
            update accounts.tenants
            set status = \(status.rawValue), status_reason = \(reason), version = version + 1, updated_at = \(tx.now)
            where tenant_id = \(id)
            returning \(columns)
            """).first else { throw AppError(.tenantNotFound, "There is no such tenant.") }
        return try decode(row)
    }

    /// What Billing said of the tenant's subscription — blocked or not, the plan's seats —
    /// unless a newer report (a later subscription, or a later version of this one) was recorded
    /// already.
    static func applySubscription(blocked: Bool, seats: Int?, subscription: UUID, version: Int,
                                  in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.tenants
               set billing_blocked = \(blocked), seat_limit = \(seats), billing_status_subscription = \(subscription),
                   billing_status_version = \(version)
             where tenant_id = \(tx.tenantID)
               and (billing_status_subscription is null
                    or (billing_status_subscription, billing_status_version) <= (\(subscription)::uuid, \(version)::int))
            """)
    }

    /// The tenant's seats: what its plan allows (nil: unlimited), the extra ones it bought, and
    /// how many active people it has.
    static func seats(in tx: TenantTransaction) async throws -> (limit: Int?, extra: Int, used: Int) {
        guard let row = try await tx.query("""
            select t.seat_limit, t.extra_seats,
                   (select count(*)::int from accounts.users u where u.tenant_id = t.tenant_id and u.status = 'active') as used
              from accounts.tenants t where t.tenant_id = \(tx.tenantID)
            """).first else { throw AppError(.tenantNotFound, "There is no such tenant.") }
        return (try row.decode("seat_limit"), try row.decode("extra_seats"), try row.decode("used"))
    }

    static func addExtraSeats(_ seats: Int, in tx: TenantTransaction) async throws {
        try await tx.execute("update accounts.tenants set extra_seats = extra_seats + \(seats) where tenant_id = \(tx.tenantID)")
    }

    static func statusReason(in tx: TenantTransaction) async throws -> String? {
        try await tx.query("select status_reason from accounts.tenants where tenant_id = \(tx.tenantID)")
            .first?.decode("status_reason")
    }
}
