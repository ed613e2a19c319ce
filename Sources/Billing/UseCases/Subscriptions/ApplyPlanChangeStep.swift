import BillingAPI
import Kernel
import Storage

/// Makes a plan change as `PlanChangeStep` decides it, in the caller's transaction: at once
/// (an upgrade, invoiced with its proration; any change during a trial) or at the period's end
/// (a downgrade, as the pending plan). Publishes `SubscriptionChanged` for a change made now.
/// The caller audits it (a tenant's user, or staff with a reason). Run by `ChangePlanUseCase`
/// and `StaffChangePlanUseCase`.
struct ApplyPlanChangeStep {
    let policy: BillingPolicy

    struct Applied {
        let result: PlanChangeResult
        let action: BillingAuditAction
        let before: AuditSnapshot
        let after: AuditSnapshot
    }

    func callAsFunction(planCode: String, expectedVersion: Int?, requestID: String, actor: UserID?,
                        in tx: TenantTransaction) async throws -> Applied {
        let decided = try await PlanChangeStep()(planCode: planCode, in: tx, lock: true, expectedVersion: expectedVersion)
        var record = decided.record
        var invoice: Invoice?
        switch decided.change.timing {
        case .immediately:
            record.planID = decided.to.id
            record.pendingPlanID = nil
            if let draft = decided.draft {
                invoice = try await IssueInvoiceStep(policy: policy)(
                    draft, reason: .subscriptionUpdate, subscription: record.id,
                    period: .init(start: tx.now, end: record.periodEnd, number: nil), profile: decided.profile,
                    requestID: requestID, actor: actor, in: tx)
            }
        case .atPeriodEnd:
            record.pendingPlanID = decided.to.id
        }
        let saved = try await SubscriptionViewStep.save(record, in: tx)
        let view = try await SubscriptionViewStep()(saved, in: tx)
        let immediate = decided.change.timing == .immediately
        if immediate {
            let contact = try await ProfileRows.contact(in: tx)
            try await tx.publish(SubscriptionChanged(
                tenantID: tx.tenantID, subscriptionID: record.id, planCode: decided.to.code, planName: decided.to.name,
                previousPlanCode: decided.from.code, status: saved.status, previousStatus: decided.record.status,
                occurredAt: tx.now, customerName: contact.name, email: contact.email, version: saved.version,
                seats: decided.to.seats, subscription: view))
        }
        let result = PlanChangeResult(subscription: view, invoice: invoice)
        return Applied(result: result, action: immediate ? .planChanged : .downgradeScheduled,
                       before: decided.record.auditSnapshot, after: saved.auditSnapshot)
    }
}
