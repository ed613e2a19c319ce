import AccountsAPI
import Kernel
import Storage

/// One user of the caller's tenant; another tenant's id is not found.
struct GetUserUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: UserID) async throws -> User {
        try principal.require(.usersRead)
        guard let user = try await db.tenant(principal.tenantID, { tx in try await UserRows.find(id, in: tx) }) else {
            throw AppError(.userNotFound, "There is no such user.")
        }
        return user
    }
}
