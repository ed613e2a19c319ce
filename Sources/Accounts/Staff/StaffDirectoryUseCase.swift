import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// Creating staff, changing their roles, deactivating them; the platform always keeps one
/// active admin, and nobody deactivates themselves.
struct StaffDirectoryUseCase {
    let platform: PlatformDatabase
    let hasher: PasswordHasher

    func create(email: String, name: String, role: StaffRole, by actor: StaffPrincipal?) async throws -> NewStaffMember {
        try actor?.require(.staffManage)
        let valid = try UserFields.collect([UserFields.email(email, field: "email"),
                                            UserFields.name(name.isEmpty ? "Staff" : name, field: "name")])
        let (validEmail, validName) = (valid[0], valid[1])
        // 100 random bits, base32: typed once by hand, then replaced at the first sign-in.
        let oneTimePassword = Base32.encode(SecretToken.randomBytes(13)).lowercased()
        let hash = try await hasher.hash(oneTimePassword)
        let member = try await platform.platform("create staff") { tx in
            guard let member = try await StaffRows.insert(id: .generate(), email: validEmail, name: validName, role: role,
                                                          passwordHash: hash, in: tx) else {
                throw AppError(.staffEmailTaken, "A staff member with that email address exists already.")
            }
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: "staff.created",
                                          target: "staff/\(member.id)", requestID: actor?.requestID ?? "keel staff create",
                                          after: StaffRows.auditJSON(member), actorStaffID: actor?.staffID))
            return member
        }
        return NewStaffMember(member: member, oneTimePassword: oneTimePassword)
    }

    func list(_ principal: StaffPrincipal) async throws -> [StaffMember] {
        try principal.require(.staffManage)
        return try await platform.platform("list staff") { tx in try await StaffRows.all(in: tx) }
    }

    func change(_ principal: StaffPrincipal, id: StaffID, expectedVersion: Int, role: StaffRole? = nil,
                deactivate: Bool = false) async throws -> StaffMember {
        try principal.require(.staffManage)
        if deactivate && id == principal.staffID {
            throw AppError(.forbidden, "You cannot deactivate yourself; ask another admin.")
        }
        return try await platform.platform("change staff") { tx in
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
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil,
                                          action: deactivate ? "staff.deactivated" : "staff.role_changed",
                                          target: "staff/\(id)", requestID: principal.requestID,
                                          before: StaffRows.auditJSON(current), after: StaffRows.auditJSON(updated),
                                          actorStaffID: principal.staffID))
            return updated
        }
    }
}
