import AccountsAPI
import Kernel
import Storage

/// Role and status changes and deletion, with the rules that keep a tenant governable: only
/// owners touch the owner role, and a tenant always keeps at least one active owner.
struct ManageUsersUseCase {
    let db: Database

    func update(_ principal: Principal, id: UserID, expectedVersion: Int?, change: UserChange) async throws -> User {
        try principal.require(.usersManage)
        return try await db.tenant(principal.tenantID) { tx in
            let (current, owners) = try await lockTarget(id, expectedVersion: expectedVersion, in: tx)
            let role = change.role ?? current.role
            let status = change.status ?? current.status
            if role == current.role && status == current.status { return current }
            if current.role == .owner || role == .owner { try principal.require(.ownersManage) }
            if current.role == .owner && current.status == .active && (role != .owner || status != .active) {
                try requireAnotherOwner(besides: id, owners)
            }
            guard let updated = try await UserRows.update(id, expectedVersion: current.version, role: role,
                                                          status: status, in: tx) else {
                throw AppError.versionMismatch(current: current.version)
            }
            if status == .deactivated && current.status == .active {
                // Deactivation takes effect now, not when the user's tokens expire.
                try await SessionRows.deleteAll(of: id, in: tx)
            }
            let action = role != current.role ? (status != current.status ? "user.updated" : "user.role_changed")
                : (status == .deactivated ? "user.deactivated" : "user.reactivated")
            try await tx.audit(AuditEvent(tenantID: tx.tenantID, actorUserID: principal.userID, action: action,
                                          target: "user/\(id)", requestID: principal.requestID,
                                          before: UserRows.auditJSON(current), after: UserRows.auditJSON(updated)))
            return updated
        }
    }

    func delete(_ principal: Principal, id: UserID, expectedVersion: Int?) async throws {
        try principal.require(.usersManage)
        try await db.tenant(principal.tenantID) { tx in
            let (current, owners) = try await lockTarget(id, expectedVersion: expectedVersion, in: tx)
            if current.role == .owner {
                try principal.require(.ownersManage)
                if current.status == .active { try requireAnotherOwner(besides: id, owners) }
            }
            // Sessions and login failures go with the user (foreign keys cascade).
            guard try await UserRows.delete(id, expectedVersion: current.version, in: tx) else {
                throw AppError.versionMismatch(current: current.version)
            }
            try await tx.audit(AuditEvent(tenantID: tx.tenantID, actorUserID: principal.userID, action: "user.deleted",
                                          target: "user/\(id)", requestID: principal.requestID,
                                          before: UserRows.auditJSON(current)))
        }
    }

    /// Locks the active owners first, then the target (always in that order, so two changes
    /// cannot deadlock), and checks the caller's version. The row stays locked, so the write
    /// that follows applies to exactly the version checked here.
    private func lockTarget(_ id: UserID, expectedVersion: Int?, in tx: TenantTransaction) async throws -> (User, [UserID]) {
        let owners = try await UserRows.lockActiveOwners(in: tx)
        guard let current = try await UserRows.find(id, in: tx, lock: true) else {
            throw AppError(.userNotFound, "There is no such user.")
        }
        if let expectedVersion, current.version != expectedVersion {
            throw AppError.versionMismatch(current: current.version)
        }
        return (current, owners)
    }

    private func requireAnotherOwner(besides id: UserID, _ owners: [UserID]) throws {
        guard owners.contains(where: { $0 != id }) else {
            throw AppError(.lastOwner, "A tenant must keep at least one active owner; make someone else an owner first.")
        }
    }
}
