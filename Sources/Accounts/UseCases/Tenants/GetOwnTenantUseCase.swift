import AccountsAPI
import Kernel
import Storage

/// The caller's own tenant.
struct GetOwnTenantUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws -> Tenant {
        guard let tenant = try await db.tenant(principal.tenantID, { tx in try await TenantRows.find(tx.tenantID, in: tx) }) else {
            throw AccountErrors.gone
        }
        return tenant
    }
}
