import BillingAPI
import Kernel
import Storage

/// Takes back a cancellation scheduled for the period's end.
struct ResumeSubscriptionUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, expectedVersion: Int?) async throws -> Subscription {
        try principal.require(.billingManage)
        return try await db.tenant(principal.tenantID) { tx in
            var record = try await SubscriptionViewStep.live(in: tx, lock: true, expectedVersion: expectedVersion)
            guard record.cancelAtPeriodEnd else {
                throw AppError(.subscriptionConflict, "The subscription is not set to cancel; there is nothing to resume.")
            }
            let before = record
            record.status = try SubscriptionStatus.transition(from: record.status, on: .resume)
            record.cancelAtPeriodEnd = false
            let saved = try await SubscriptionViewStep.save(record, in: tx)
            try await tx.audit(.resumed, actor: principal.userID, target: "subscription/\(record.id)",
                               requestID: principal.requestID, before: before.auditSnapshot, after: saved.auditSnapshot)
            return try await SubscriptionViewStep()(saved, in: tx)
        }
    }
}
