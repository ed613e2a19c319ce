import Kernel
import OrdersAPI
import Storage

// Orders' audit entries, in the transaction of the change, stamped with its clock time.

extension TenantTransaction {
    func audit(_ action: OrdersAuditAction, by principal: Principal, target: String, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: principal.userID, action: action, target: target,
                                   requestID: principal.requestID, before: nil, after: after, occurredAt: now))
    }

    /// An entry for something a staff member did, with their reason where they gave one.
    func audit(_ action: OrdersAuditAction, by staff: StaffPrincipal, target: String, reason: String?,
               before: AuditSnapshot? = nil, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: nil, action: action, target: target,
                                   requestID: staff.requestID, before: before, after: after,
                                   actorStaffID: staff.staffID, reason: reason, occurredAt: now))
    }
}
