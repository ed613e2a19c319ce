import AccountsAPI
import Kernel
import Storage

// Accounts' audit entries, written in the transaction of the change they record, so an entry
// exists exactly when the change does. Each names a declared `AccountsAuditAction` and is
// stamped with the transaction's clock time.

extension TenantTransaction {
    /// An entry in this tenant's log; `actor` is the user who acted (`nil`: nobody signed in).
    func audit(_ action: AccountsAuditAction, actor: UserID?, target: String?, requestID: String,
               before: AuditSnapshot? = nil, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: actor, action: action, target: target,
                                   requestID: requestID, before: before, after: after, occurredAt: now))
    }

    /// An entry for something `principal` did.
    func audit(_ action: AccountsAuditAction, by principal: Principal, target: String?, before: AuditSnapshot? = nil,
               after: AuditSnapshot? = nil) async throws {
        try await audit(action, actor: principal.userID, target: target, requestID: principal.requestID,
                        before: before, after: after)
    }

    /// An entry for something a staff member did in this tenant, with their reason.
    func audit(_ action: AccountsAuditAction, by staff: StaffPrincipal, target: String, reason: String?,
               before: AuditSnapshot? = nil, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: nil, action: action, target: target,
                                   requestID: staff.requestID, before: before, after: after,
                                   actorStaffID: staff.staffID, reason: reason, occurredAt: now))
    }
}

extension PlatformTransaction {
    /// An entry outside any tenant: staff sign-in and management, searches across tenants, a
    /// login that names no tenant.
    func audit(_ action: AccountsAuditAction, staff: StaffID?, target: String?, requestID: String, reason: String? = nil,
               before: AuditSnapshot? = nil, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: nil, actorUserID: nil, action: action, target: target, requestID: requestID,
                                   before: before, after: after, actorStaffID: staff, reason: reason, occurredAt: now))
    }
}
