import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// An admin resets a member who lost their password or authenticator: a new one-time password,
/// TOTP and recovery codes cleared, sessions and sign-in back-off ended. Their next sign-in is a
/// first one (a new password and TOTP). Nobody resets themselves: that would let a stolen
/// session drop its owner's second factor.
struct ResetStaffMemberUseCase {
    let platform: PlatformDatabase
    let hasher: PasswordHasher

    func callAsFunction(_ principal: StaffPrincipal, id: StaffID, reason: String, expectedVersion: Int) async throws -> NewStaffMember {
        try principal.require(.staffManage)
        let reason = try StaffReason(reason).value
        if id == principal.staffID {
            throw AppError(.forbidden, "You cannot reset yourself; ask another admin.")
        }
        let oneTimePassword = CreateStaffUseCase.oneTimePassword()
        let hash = try await hasher.hash(oneTimePassword)
        let member = try await platform.platform("reset staff") { tx in
            guard let current = try await StaffRows.find(id, in: tx, lock: true) else {
                throw AppError(.staffNotFound, "There is no such staff member.")
            }
            guard current.version == expectedVersion else { throw AppError.versionMismatch(current: current.version) }
            guard current.status == .active else {
                throw AppError(.conflict, "\(current.email) is deactivated; there is nothing to reset.")
            }
            guard let updated = try await StaffRows.reset(id, expectedVersion: current.version, passwordHash: hash, in: tx) else {
                throw AppError.versionMismatch(current: current.version)
            }
            try await StaffRows.replaceRecoveryCodes(id, [], in: tx)
            try await StaffSessionRows.deleteAll(of: id, in: tx)
            try await StaffLoginFailureRows.clearAll(id, in: tx)
            try await tx.audit(.staffReset, staff: principal.staffID, target: "staff/\(id)", requestID: principal.requestID,
                               reason: reason, before: current.auditSnapshot, after: updated.auditSnapshot)
            return updated
        }
        return NewStaffMember(member: member, oneTimePassword: oneTimePassword)
    }
}
