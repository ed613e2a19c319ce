import AccountsAPI
import Kernel
import Storage

/// What keeps a tenant governable while its users change: the active owners are locked first,
/// then the target (always in that order, so two changes cannot deadlock), and the caller's
/// version is checked. The row stays locked, so the write that follows applies to exactly the
/// version checked here. Run inside `UpdateUserUseCase` and `DeleteUserUseCase`.
struct LockUserForChangeStep {
    func callAsFunction(_ id: UserID, expectedVersion: Int?, in tx: TenantTransaction) async throws -> (user: User, owners: [UserID]) {
        let owners = try await UserRows.lockActiveOwners(in: tx)
        guard let current = try await UserRows.find(id, in: tx, lock: true) else {
            throw AppError(.userNotFound, "There is no such user.")
        }
        if let expectedVersion, current.version != expectedVersion {
            throw AppError.versionMismatch(current: current.version)
        }
        return (current, owners)
    }

    /// A tenant keeps at least one active owner besides `id`.
    static func requireAnotherOwner(besides id: UserID, _ owners: [UserID]) throws {
        guard owners.contains(where: { $0 != id }) else {
            throw AppError(.lastOwner, "A tenant must keep at least one active owner; make someone else an owner first.")
        }
    }
}
