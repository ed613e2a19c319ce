import AccountsAPI
import Kernel
import Storage

/// A tenant's name and active owners, for another module's notice (`TenantDirectory`).
struct ListOwnersUseCase {
    let db: Database

    func callAsFunction(_ tenantID: TenantID) async throws -> (tenantName: String, owners: [User]) {
        try await db.tenant(tenantID) { tx in
            guard let tenant = try await TenantRows.find(tenantID, in: tx) else {
                throw AppError(.tenantNotFound, "There is no such tenant.")
            }
            return (tenant.name, try await UserRows.activeOwners(in: tx))
        }
    }
}
