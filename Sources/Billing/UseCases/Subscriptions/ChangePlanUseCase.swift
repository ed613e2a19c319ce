import BillingAPI
import Kernel
import Storage

/// Changes plan: at once (an upgrade, invoiced with its proration; any change during a trial)
/// or at the period's end (a downgrade). Decided by `PlanChangeStep`, like the preview.
struct ChangePlanUseCase {
    let db: Database
    let policy: BillingPolicy

    func callAsFunction(_ principal: Principal, planCode: String, expectedVersion: Int?,
                        idempotency: IdempotentCompletion<PlanChangeResult>?) async throws -> PlanChangeResult {
        try principal.require(.billingManage)
        return try await db.tenant(principal.tenantID) { tx in
            let decided = try await PlanChangeStep()(planCode: planCode, in: tx, lock: true, expectedVersion: expectedVersion)
            var record = decided.record
            let before = record.auditSnapshot
            var invoice: Invoice?
            switch decided.change.timing {
            case .immediately:
                record.planID = decided.to.id
                record.pendingPlanID = nil
                if let draft = decided.draft {
                    invoice = try await IssueInvoiceStep(policy: policy)(
                        draft, reason: .subscriptionUpdate, subscription: record.id,
                        period: .init(start: tx.now, end: record.periodEnd, number: nil), profile: decided.profile,
                        requestID: principal.requestID, actor: principal.userID, in: tx)
                }
            case .atPeriodEnd:
                record.pendingPlanID = decided.to.id
            }
            let saved = try await SubscriptionViewStep.save(record, in: tx)
            let immediate = decided.change.timing == .immediately
            try await tx.audit(immediate ? .planChanged : .downgradeScheduled, actor: principal.userID,
                               target: "subscription/\(record.id)", requestID: principal.requestID,
                               before: before, after: saved.auditSnapshot)
            if immediate {
                let contact = try await ProfileRows.contact(in: tx)
                try await tx.publish(SubscriptionChanged(
                    tenantID: tx.tenantID, subscriptionID: record.id, planCode: decided.to.code, planName: decided.to.name,
                    previousPlanCode: decided.from.code, status: saved.status, previousStatus: decided.record.status,
                    occurredAt: tx.now, customerName: contact.name, email: contact.email))
            }
            let result = PlanChangeResult(subscription: try await SubscriptionViewStep()(saved, in: tx), invoice: invoice)
            if let idempotency { try await tx.complete(idempotency, with: result) }
            return result
        }
    }
}
