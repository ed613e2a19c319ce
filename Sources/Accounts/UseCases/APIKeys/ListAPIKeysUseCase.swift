import AccountsAPI
import Kernel
import Storage

/// The tenant's API keys (never the keys themselves: only their prefixes).
struct ListAPIKeysUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, page: PageRequest) async throws -> Page<APIKey> {
        try principal.require(.apiKeysManage)
        return try await db.tenant(principal.tenantID) { tx in try await APIKeyRows.page(page, in: tx) }
    }
}
