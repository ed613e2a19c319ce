import AccountsAPI
import Kernel
import Storage

/// Deletes a user (their sessions and login failures go with them); never the last active owner.
struct DeleteUserUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: UserID, expectedVersion: Int?) async throws {
        try principal.require(.usersManage)
        try await db.tenant(principal.tenantID) { tx in
            let (current, owners) = try await LockUserForChangeStep()(id, expectedVersion: expectedVersion, in: tx)
            if current.role == .owner {
                try principal.require(.ownersManage)
                if current.status == .active { try LockUserForChangeStep.requireAnotherOwner(besides: id, owners) }
            }
            // Sessions and login failures go with the user (foreign keys cascade).
            guard try await UserRows.delete(id, expectedVersion: current.version, in: tx) else {
                throw AppError.versionMismatch(current: current.version)
            }
            try await tx.audit(.userDeleted, by: principal, target: "user/\(id)", before: current.auditSnapshot)
            try await tx.publish(UserRemoved(tenantID: tx.tenantID, user: current))
        }
    }
}
