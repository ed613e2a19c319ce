import AccountsAPI
import Kernel
import Storage

/// Tenants by id, in one cross-tenant read: another module's console list (orders) names the
/// tenants on its page without a query per row.
struct TenantsByIDUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, ids: [TenantID]) async throws -> [TenantID: Tenant] {
        try principal.require(.consoleRead)
        guard !ids.isEmpty else { return [:] }
        let tenants = try await platform.platform("console: tenants by id") { tx in try await TenantRows.find(ids, in: tx) }
        return Dictionary(uniqueKeysWithValues: tenants.map { ($0.id, $0) })
    }
}
