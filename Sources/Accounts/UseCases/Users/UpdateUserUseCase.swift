import AccountsAPI
import Kernel
import Storage

/// A user's role and status: only owners touch the owner role, and a tenant always keeps at
/// least one active owner. Deactivation ends the user's sessions at once.
struct UpdateUserUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: UserID, expectedVersion: Int?, change: UserChange) async throws -> User {
        try principal.require(.usersManage)
        return try await db.tenant(principal.tenantID) { tx in
            let (current, owners) = try await LockUserForChangeStep()(id, expectedVersion: expectedVersion, in: tx)
            let role = change.role ?? current.role
            let status = change.status ?? current.status
            if role == current.role && status == current.status { return current }
            if current.role == .owner || role == .owner { try principal.require(.ownersManage) }
            if current.role == .owner && current.status == .active && (role != .owner || status != .active) {
                try LockUserForChangeStep.requireAnotherOwner(besides: id, owners)
            }
            guard let updated = try await UserRows.update(id, expectedVersion: current.version, role: role,
                                                          status: status, in: tx) else {
                throw AppError.versionMismatch(current: current.version)
            }
            if status == .deactivated && current.status == .active {
                // Deactivation takes effect now, not when the user's tokens expire.
                try await SessionRows.deleteAll(of: id, in: tx)
            }
            let action: AccountsAuditAction = role != current.role
                ? (status != current.status ? .userUpdated : .userRoleChanged)
                : (status == .deactivated ? .userDeactivated : .userReactivated)
            try await tx.audit(action, by: principal, target: "user/\(id)",
                               before: current.auditSnapshot, after: updated.auditSnapshot)
            if role != current.role {
                try await tx.publish(UserRoleChanged(tenantID: tx.tenantID, user: updated, previousRole: current.role))
            }
            return updated
        }
    }
}
