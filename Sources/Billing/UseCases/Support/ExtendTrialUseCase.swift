import BillingAPI
import Foundation
import Kernel
import Storage

/// Staff move a trialing subscription's trial end later (1 to 90 days), with a reason; the
/// paid periods' anchor moves with it.
struct ExtendTrialUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, days: Int, reason: String) async throws -> Subscription {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        guard (1...90).contains(days) else {
            throw AppError.validation([FieldError(field: "days", code: "invalid_days", message: "Extend by 1 to 90 days.")])
        }
        return try await db.tenant(tenantID) { tx in
            var record = try await SubscriptionViewStep.live(in: tx, lock: true)
            guard record.status == .trialing, let trialEnd = record.trialEnd else {
                throw AppError(.subscriptionConflict, "Only a trial can be extended; this subscription is \(record.status.rawValue).")
            }
            let before = record
            let newEnd = BillingInterval.adding(days: days, to: max(trialEnd, tx.now))
            record.trialEnd = newEnd
            record.periodEnd = newEnd
            record.billingAnchor = newEnd
            let saved = try await SubscriptionViewStep.save(record, in: tx)
            try await tx.audit(.trialExtended, by: principal, target: "subscription/\(record.id)", reason: reason,
                               before: before.auditSnapshot, after: saved.auditSnapshot)
            return try await SubscriptionViewStep()(saved, in: tx)
        }
    }
}
