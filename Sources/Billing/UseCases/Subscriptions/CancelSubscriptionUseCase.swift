import BillingAPI
import Kernel
import Storage

/// Cancels now (the subscription ends at once; nothing is refunded in this version) or at the
/// period's end (access continues to it; resumable until then).
struct CancelSubscriptionUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, atPeriodEnd: Bool, expectedVersion: Int?) async throws -> Subscription {
        try principal.require(.billingManage)
        return try await db.tenant(principal.tenantID) { tx in
            var record = try await SubscriptionViewStep.live(in: tx, lock: true, expectedVersion: expectedVersion)
            let before = record
            if atPeriodEnd {
                if record.cancelAtPeriodEnd { return try await SubscriptionViewStep()(record, in: tx) }
                record.cancelAtPeriodEnd = true
            } else {
                record.status = try SubscriptionStatus.transition(from: record.status, on: .cancel)
                record.canceledAt = tx.now
                record.pendingPlanID = nil
            }
            let saved = try await SubscriptionViewStep.save(record, in: tx)
            try await tx.audit(atPeriodEnd ? .cancelScheduled : .canceled, actor: principal.userID,
                               target: "subscription/\(record.id)", requestID: principal.requestID,
                               before: before.auditSnapshot, after: saved.auditSnapshot)
            let view = try await SubscriptionViewStep()(saved, in: tx)
            if !atPeriodEnd {
                let contact = try await ProfileRows.contact(in: tx)
                try await tx.publish(SubscriptionChanged(
                    tenantID: tx.tenantID, subscriptionID: record.id, planCode: view.plan.code, planName: view.plan.name,
                    previousPlanCode: nil, status: .canceled, previousStatus: before.status, occurredAt: tx.now, customerName: contact.name, email: contact.email,
                    version: saved.version, seats: view.plan.seats, subscription: view))
            }
            return view
        }
    }
}
