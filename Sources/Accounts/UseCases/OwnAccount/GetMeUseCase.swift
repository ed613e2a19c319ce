import AccountsAPI
import Kernel
import Storage

/// The signed-in person and their tenant.
struct GetMeUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws -> (user: User, tenant: Tenant) {
        try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(principal.tenantID, in: tx) else {
                throw AppError(.unauthenticated, "The session has ended.")
            }
            return (user, tenant)
        }
    }
}
