import AccountsAPI
import Kernel
import Storage

/// The tenant's users, a page at a time.
struct ListUsersUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, page: PageRequest) async throws -> Page<User> {
        try principal.require(.usersRead)
        return try await db.tenant(principal.tenantID) { tx in try await UserRows.page(page, in: tx) }
    }
}
