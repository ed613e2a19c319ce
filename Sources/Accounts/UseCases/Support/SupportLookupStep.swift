import AccountsAPI
import Kernel
import Storage

/// The records a support action works on, read in the tenant's transaction: the user (locked
/// when it will change) and the tenant. Another tenant's user is not found.
struct SupportLookupStep {
    func user(_ id: UserID, in tx: TenantTransaction, lock: Bool = false) async throws -> User {
        guard let user = try await UserRows.find(id, in: tx, lock: lock) else {
            throw AppError(.userNotFound, "There is no such user in this tenant.")
        }
        return user
    }

    func userAndTenant(_ id: UserID, in tx: TenantTransaction) async throws -> (User, Tenant) {
        guard let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw TenantDetailUseCase.tenantNotFound }
        return (try await user(id, in: tx), tenant)
    }
}
