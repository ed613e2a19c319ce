import AccountsAPI
import Kernel
import Storage

/// The rows a selection names, as they are now: picked ids that still exist, or everything the
/// filter matches (at most `limit`, so one job cannot sweep the whole platform by accident).
/// Run by the dry run and by the start, so the two agree.
struct ResolveBulkSelectionStep {
    let db: Database
    let platform: PlatformDatabase

    static let limit = 5000

    func callAsFunction(_ principal: StaffPrincipal, _ action: BulkAction, _ selection: BulkSelection) async throws -> [BulkJobRows.Target] {
        let targets: [BulkJobRows.Target]
        switch selection {
        case .tenants(let ids):
            try Self.require(action.onTenants)
            let found = try await platform.platform("bulk: tenants") { tx in try await TenantRows.find(Array(ids.prefix(Self.limit + 1)), in: tx) }
            let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            targets = ids.compactMap { byID[$0] }.map(Self.target)
        case .tenantsMatching(let query):
            try Self.require(action.onTenants)
            var found: [BulkJobRows.Target] = []
            var cursor: String?
            repeat {
                let page = try await SearchTenantsUseCase(platform: platform)(principal, query: query, after: cursor, limit: 500)
                found += page.items.map { Self.target($0.tenant) }
                cursor = page.nextCursor
            } while cursor != nil && found.count <= Self.limit
            targets = found
        case .users(let tenantID, let ids):
            try Self.require(!action.onTenants)
            targets = try await db.tenant(tenantID) { tx in
                var found: [BulkJobRows.Target] = []
                for id in ids.prefix(Self.limit + 1) {
                    if let user = try await UserRows.find(id, in: tx) { found.append(Self.target(user)) }
                }
                return found
            }
        case .allUsers(let tenantID):
            try Self.require(!action.onTenants)
            targets = try await db.tenant(tenantID) { tx in
                var found: [BulkJobRows.Target] = []
                var page = try await UserRows.page(PageRequest(limit: 200), in: tx)
                found += page.items.map(Self.target)
                while page.hasMore, found.count <= Self.limit, let last = page.items.last {
                    page = try await UserRows.page(PageRequest(limit: 200, after: last.id.rawValue), in: tx)
                    found += page.items.map(Self.target)
                }
                return found
            }
        }
        guard !targets.isEmpty else { throw AppError(.invalidInput, "Nothing is selected: tick some rows, or all that match.") }
        guard targets.count <= Self.limit else {
            throw AppError(.invalidInput, "That is more than \(Self.limit) rows; narrow the filter and run it in parts.")
        }
        return targets
    }

    private static func require(_ matches: Bool) throws {
        guard matches else { throw AppError(.invalidInput, "That action does not apply to what is selected.") }
    }

    private static func target(_ tenant: Tenant) -> BulkJobRows.Target {
        BulkJobRows.Target(tenantID: tenant.id, userID: nil, label: "\(tenant.name) (\(tenant.slug))")
    }

    private static func target(_ user: User) -> BulkJobRows.Target {
        BulkJobRows.Target(tenantID: user.tenantID, userID: user.id, label: user.email)
    }
}
