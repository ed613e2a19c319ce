import Kernel
import NotificationsAPI
import Storage

// Notifications' audit entries about a tenant's webhooks, in the transaction of the change.

extension TenantTransaction {
    func audit(_ action: NotificationsAuditAction, by principal: Principal, target: String, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: principal.userID, action: action, target: target,
                                   requestID: principal.requestID, before: nil, after: after, occurredAt: now))
    }

    /// An entry for something a staff member did, with their reason.
    func audit(_ action: NotificationsAuditAction, by staff: StaffPrincipal, target: String, reason: String,
               after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: nil, action: action, target: target, requestID: staff.requestID,
                                   after: after, actorStaffID: staff.staffID, reason: reason, occurredAt: now))
    }
}
