import AccountsAPI
import Foundation
import Kernel
import Storage

/// What support staff change in a tenant. Each change runs in the tenant's own transaction
/// (row-level security applies to staff too) and writes an audit entry naming the staff
/// member, their reason, and the record before and after.
struct SupportActionsUseCase {
    let db: Database

    func setTenantStatus(_ principal: StaffPrincipal, id: TenantID, status: Tenant.Status, reason: String,
                         expectedVersion: Int) async throws -> Tenant {
        try principal.require(.tenantsSuspend)
        let reason = try Self.reason(reason)
        return try await db.tenant(id) { tx in
            guard let current = try await TenantRows.find(id, in: tx, lock: true) else { throw Self.tenantNotFound }
            guard current.version == expectedVersion else { throw AppError.versionMismatch(current: current.version) }
            guard current.status != status else { return current }
            let updated = try await TenantRows.setStatus(id, status, reason: reason, in: tx)
            // Suspension takes effect now: every session of the tenant ends (keys stop at lookup).
            if status == .suspended { try await SessionRows.deleteAllOfTenant(in: tx) }
            try await tx.audit(status == .suspended ? "tenant.suspended" : "tenant.reactivated", by: principal,
                               target: "tenant/\(id)", reason: reason,
                               before: TenantRows.auditJSON(current), after: TenantRows.auditJSON(updated))
            return updated
        }
    }

    func setUserLock(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, locked: Bool, reason: String,
                     expectedVersion: Int) async throws -> User {
        try principal.require(.accountSupport)
        let reason = try Self.reason(reason)
        return try await db.tenant(tenantID) { tx in
            let current = try await Self.user(userID, in: tx, lock: true)
            guard current.version == expectedVersion else { throw AppError.versionMismatch(current: current.version) }
            guard (current.lockedAt != nil) != locked else { return current }
            let updated = try await UserRows.setLock(userID, locked: locked, reason: reason, in: tx)
            if locked { try await SessionRows.deleteAll(of: userID, in: tx) }
            try await tx.audit(locked ? "user.locked" : "user.unlocked", by: principal, target: "user/\(userID)",
                               reason: reason, before: UserRows.auditJSON(current), after: UserRows.auditJSON(updated))
            return updated
        }
    }

    func endSessions(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String) async throws -> Int {
        try principal.require(.accountSupport)
        let reason = try Self.reason(reason)
        return try await db.tenant(tenantID) { tx in
            _ = try await Self.user(userID, in: tx)
            let ended = try await SessionRows.deleteAll(of: userID, in: tx)
            try await tx.audit("user.sessions_ended", by: principal, target: "user/\(userID)", reason: reason,
                               after: AuditJSON.encode(["sessions": String(ended)]))
            return ended
        }
    }

    func sendPasswordReset(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try principal.require(.accountSupport)
        try await db.tenant(tenantID) { tx in
            let (user, tenant) = try await Self.userAndTenant(userID, in: tx)
            guard user.status == .active else {
                throw AppError(.conflict, "This user is deactivated; their tenant must reactivate them first.")
            }
            try await PasswordResetUseCase.issue(to: user, of: tenant, source: "staff", in: tx)
            try await tx.audit("user.password_reset_sent", by: principal, target: "user/\(userID)", reason: nil)
        }
    }

    func resendVerification(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try principal.require(.accountSupport)
        try await db.tenant(tenantID) { tx in
            let (user, tenant) = try await Self.userAndTenant(userID, in: tx)
            guard !user.emailVerified else { throw AppError(.alreadyVerified, "This user's address is verified already.") }
            _ = try await OwnAccountUseCase.sendVerification(to: user, email: user.email, tenant: tenant, reason: .resend, in: tx)
            try await tx.audit("user.verification_resent", by: principal, target: "user/\(userID)", reason: nil)
        }
    }

    static let tenantNotFound = AppError(.tenantNotFound, "There is no such tenant.")

    /// A reason is required for every change staff make: 3 to 500 characters, not blank.
    static func reason(_ raw: String) throws -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let scalars = trimmed.unicodeScalars
        guard (3...500).contains(scalars.count),
              !scalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t" }) else {
            throw AppError.validation([FieldError(field: "reason", code: "invalid_reason",
                                                  message: "Give a reason of 3 to 500 characters.")])
        }
        return trimmed
    }

    private static func user(_ id: UserID, in tx: TenantTransaction, lock: Bool = false) async throws -> User {
        guard let user = try await UserRows.find(id, in: tx, lock: lock) else {
            throw AppError(.userNotFound, "There is no such user in this tenant.")
        }
        return user
    }

    private static func userAndTenant(_ id: UserID, in tx: TenantTransaction) async throws -> (User, Tenant) {
        guard let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw tenantNotFound }
        return (try await user(id, in: tx), tenant)
    }
}

extension TenantTransaction {
    /// An audit entry for something a staff member did in this tenant.
    func audit(_ action: String, by staff: StaffPrincipal, target: String, reason: String?, before: String? = nil,
               after: String? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: nil, action: action, target: target,
                                   requestID: staff.requestID, before: before, after: after,
                                   actorStaffID: staff.staffID, reason: reason))
    }
}
