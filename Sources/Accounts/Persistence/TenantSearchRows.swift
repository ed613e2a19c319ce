import AccountsAPI
import Foundation
import Kernel
import Storage

/// The staff console's cross-tenant reads (the platform path): the tenants list, the find box
/// and the dashboard's counts.
enum TenantSearchRows {
    /// Where the list continues from: the last row's sort key and id.
    struct Cursor {
        let key: String
        let id: UUID

        init(key: String, id: UUID) {
            self.key = key
            self.id = id
        }

        /// A cursor this list handed out; anything else is refused as invalid.
        init(_ text: String) throws {
            guard let data = Data(base64URLEncoded: text), let decoded = String(data: data, encoding: .utf8),
                  let separator = decoded.lastIndex(of: "\u{1F}"),
                  let id = UUID(parsing: String(decoded[decoded.index(after: separator)...])) else {
                throw AppError.validation([FieldError(field: "after", code: "invalid_cursor",
                                                      message: "That page link is not valid; start the list again.")])
            }
            self.init(key: String(decoded[..<separator]), id: id)
        }

        var text: String { Data("\(key)\u{1F}\(id.lowercasedString)".utf8).base64URLEncodedString() }
    }

    static func page(_ query: TenantQuery, after cursor: Cursor?, limit: Int,
                     in tx: PlatformTransaction) async throws -> [TenantSummary] {
        let pattern = query.text.flatMap { $0.isEmpty ? nil : SQL.likePattern(containing: $0.lowercased()) }
        // The order is chosen from a fixed list, never from input; the keyset condition follows it.
        let (order, keyset): (String, SQL) = switch query.sort {
        case .newest: ("t.tenant_id desc", "(\(cursor?.id)::uuid is null or t.tenant_id < \(cursor?.id))")
        case .oldest: ("t.tenant_id", "(\(cursor?.id)::uuid is null or t.tenant_id > \(cursor?.id))")
        case .name: ("lower(t.name), t.tenant_id",
                     "(\(cursor?.id)::uuid is null or (lower(t.name), t.tenant_id) > (\(cursor?.key), \(cursor?.id)))")
        case .slug: ("t.slug, t.tenant_id",
                     "(\(cursor?.id)::uuid is null or (t.slug, t.tenant_id) > (\(cursor?.key), \(cursor?.id)))")
        }
        let rows = try await tx.query("""
            select \(TenantRows.columns),
                   (select u.email from accounts.users u where u.tenant_id = t.tenant_id and u.role = 'owner'
                     order by u.user_id limit 1) as owner_email,
                   (select count(*)::int from accounts.users u where u.tenant_id = t.tenant_id) as user_count
            from accounts.tenants t
            where (\(pattern)::text is null or lower(t.slug) like \(pattern) or lower(t.name) like \(pattern)
                   or exists (select from accounts.users u where u.tenant_id = t.tenant_id and u.role = 'owner'
                              and lower(u.email) like \(pattern)))
              and (\(query.status?.rawValue)::text is null or t.status = \(query.status?.rawValue))
              and (\(query.createdFrom)::timestamptz is null or t.created_at >= \(query.createdFrom))
              and (\(query.createdBefore)::timestamptz is null or t.created_at < \(query.createdBefore))
              and 
            """ + keyset + " order by \(unsafeRaw: order) limit \(limit)")
        return try rows.map { row in
            TenantSummary(tenant: try TenantRows.decode(row), ownerEmail: try row.decode("owner_email"),
                          users: try row.decode("user_count"))
        }
    }

    /// The cursor that continues `query` after `summary`.
    static func cursor(after summary: TenantSummary, sort: TenantQuery.Sort) -> Cursor {
        let key = switch sort {
        case .newest, .oldest: ""
        case .name: summary.tenant.name.lowercased()
        case .slug: summary.tenant.slug
        }
        return Cursor(key: key, id: summary.tenant.id.rawValue)
    }

    static func find(_ text: String, in tx: PlatformTransaction) async throws -> FindResults {
        let pattern = SQL.likePattern(containing: text.lowercased())
        let tenants = try await tx.query("""
            select \(TenantRows.columns) from accounts.tenants t
            where lower(t.slug) like \(pattern) or lower(t.name) like \(pattern)
            order by lower(t.slug) = \(text.lowercased()) desc, t.slug limit 20
            """).map(TenantRows.decode)
        let users = try await tx.query("""
            select \(UserRows.columns) from accounts.users
            where lower(email) like \(pattern)
            order by lower(email) = \(text.lowercased()) desc, lower(email), tenant_id limit 50
            """).map(UserRows.decode)
        // Their tenants in one more query (a join would make the two tables' columns collide).
        let ids = Array(Set(users.map(\.tenantID.rawValue)))
        let owners = try await TenantRows.find(ids.map(TenantID.init(rawValue:)), in: tx)
        let byID = Dictionary(uniqueKeysWithValues: owners.map { ($0.id, $0) })
        return FindResults(tenants: tenants, users: users.compactMap { user in byID[user.tenantID].map { (user, $0) } })
    }

    static func dashboard(in tx: PlatformTransaction) async throws -> SupportDashboard {
        let row = try await tx.query("""
            select (select count(*)::int from accounts.tenants) as tenants,
                   (select count(*)::int from accounts.tenants where status = 'suspended') as suspended,
                   (select count(*)::int from accounts.users) as users,
                   (select count(*)::int from accounts.tenants where created_at > \(tx.now) - interval '7 days') as sign_ups,
                   (select count(*)::int from platform.audit_log
                     where action = \(AccountsAuditAction.sessionLoginFailed.rawValue) and occurred_at > \(tx.now) - interval '24 hours') as failed_logins
            """)[0]
        return SupportDashboard(tenants: try row.decode("tenants"), suspendedTenants: try row.decode("suspended"),
                                users: try row.decode("users"), signUpsLast7Days: try row.decode("sign_ups"),
                                failedLoginsLast24Hours: try row.decode("failed_logins"))
    }
}
