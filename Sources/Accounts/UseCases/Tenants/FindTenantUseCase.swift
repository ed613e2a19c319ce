import AccountsAPI
import Kernel
import Storage

/// A tenant by id, for operators and other modules (`nil` when there is none).
struct FindTenantUseCase {
    let db: Database

    func callAsFunction(_ id: TenantID) async throws -> Tenant? {
        try await db.tenant(id) { tx in try await TenantRows.find(id, in: tx) }
    }
}
