import AccountsAPI
import Kernel
import Storage

/// The tenants list: search, filters, sort, cursor pages.
struct SearchTenantsUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, query: TenantQuery, after: String?, limit: Int) async throws -> Page<TenantSummary> {
        try principal.require(.consoleRead)
        let cursor = try after.map(TenantSearchRows.Cursor.init)
        let fetched = try await platform.platform("console tenants") { tx in
            try await TenantSearchRows.page(query, after: cursor, limit: limit + 1, in: tx)
        }
        return Page(fetched: fetched, limit: limit) { TenantSearchRows.cursor(after: $0, sort: query.sort).text }
    }
}
