import AccountsAPI
import Kernel
import Storage

/// Locks or unlocks a user, with a reason. A lock is not the tenant's status (unlocking never
/// reactivates someone their tenant deactivated) and ends the user's sessions at once. A locked
/// user is told (`UserLockedByStaff`), with the reason if the staff member shares it.
struct SetUserLockUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, locked: Bool, reason: String,
                        shareReason: Bool, expectedVersion: Int?) async throws -> User {
        try principal.require(.accountSupport)
        let reason = try StaffReason(reason).value
        return try await db.tenant(tenantID) { tx in
            let current = try await SupportLookupStep().user(userID, in: tx, lock: true)
            // `nil`: a bulk job's row, which acts on the user as they are when its turn comes.
            guard current.version == expectedVersion ?? current.version else { throw AppError.versionMismatch(current: current.version) }
            guard (current.lockedAt != nil) != locked else { return current }
            let updated = try await UserRows.setLock(userID, locked: locked, reason: reason, in: tx)
            if locked {
                try await SessionRows.deleteAll(of: userID, in: tx)
                guard let tenant = try await TenantRows.find(tenantID, in: tx) else { throw TenantDetailUseCase.tenantNotFound }
                try await tx.publish(UserLockedByStaff(tenantID: tenantID, tenantName: tenant.name, userID: userID, name: updated.name,
                                                       email: updated.email, sharedReason: shareReason ? reason : nil, lockedAt: tx.now))
            }
            try await tx.audit(locked ? .userLocked : .userUnlocked, by: principal, target: "user/\(userID)",
                               reason: reason, before: current.auditSnapshot, after: updated.auditSnapshot)
            return updated
        }
    }
}
