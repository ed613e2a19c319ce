import BillingAPI
import Foundation
import Kernel
import Storage

// Billing's audit entries, in the transaction of the change, stamped with its clock time.

extension TenantTransaction {
    /// An entry in this tenant's log; `actor` is the user who acted (`nil`: the scheduler or
    /// the signup saga).
    func audit(_ action: BillingAuditAction, actor: UserID?, target: String, requestID: String,
               before: AuditSnapshot? = nil, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: actor, action: action, target: target,
                                   requestID: requestID, before: before, after: after, occurredAt: now))
    }

    /// An entry for something a staff member did, with their reason.
    func audit(_ action: BillingAuditAction, by staff: StaffPrincipal, target: String, reason: String,
               before: AuditSnapshot? = nil, after: AuditSnapshot? = nil) async throws {
        try await audit(AuditEvent(tenantID: tenantID, actorUserID: nil, action: action, target: target,
                                   requestID: staff.requestID, before: before, after: after,
                                   actorStaffID: staff.staffID, reason: reason, occurredAt: now))
    }
}

extension SubscriptionRows.Record {
    var auditSnapshot: AuditSnapshot {
        ["plan_id": .string(planID.description), "status": .string(status.rawValue),
         "period_end": .string(periodEnd.ISO8601Format()), "cancel_at_period_end": .bool(cancelAtPeriodEnd),
         "pending_plan_id": .optional(pendingPlanID?.description), "version": .int(version)]
    }
}
