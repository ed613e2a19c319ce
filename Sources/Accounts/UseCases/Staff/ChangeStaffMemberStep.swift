import AccountsAPI
import Kernel
import Storage

/// A change to a staff member's role or status, under the rules of the directory: the platform
/// always keeps one active admin, and a deactivated member's sessions end at once. Run by
/// `ChangeStaffRoleUseCase` and `DeactivateStaffUseCase`.
struct ChangeStaffMemberStep {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, id: StaffID, expectedVersion: Int, role: StaffRole?,
                        deactivate: Bool) async throws -> StaffMember {
        try await platform.platform("change staff") { tx in
            // Admins first, then the target: the same order everywhere, so no deadlock.
            let admins = try await StaffRows.lockActiveAdmins(in: tx)
            guard let current = try await StaffRows.find(id, in: tx, lock: true) else {
                throw AppError(.staffNotFound, "There is no such staff member.")
            }
            guard current.version == expectedVersion else { throw AppError.versionMismatch(current: current.version) }
            let newRole = role ?? current.role
            let newStatus: StaffMember.Status = deactivate ? .deactivated : current.status
            if current.role == .admin && current.status == .active && (newRole != .admin || newStatus != .active)
                && admins.filter({ $0 != id }).isEmpty {
                throw AppError(.lastAdmin, "This is the last active admin; make someone else admin first.")
            }
            guard let updated = try await StaffRows.update(id, expectedVersion: current.version, role: newRole,
                                                           status: newStatus, in: tx) else {
                throw AppError.versionMismatch(current: current.version)
            }
            if newStatus == .deactivated { try await StaffSessionRows.deleteAll(of: id, in: tx) }
            try await tx.audit(deactivate ? .staffDeactivated : .staffRoleChanged, staff: principal.staffID,
                               target: "staff/\(id)", requestID: principal.requestID,
                               before: current.auditSnapshot, after: updated.auditSnapshot)
            return updated
        }
    }
}
