import BillingAPI
import Kernel
import Storage

/// Loads what a plan change needs and decides it (`PlanChange.decide`): the one path that both
/// the preview and the change take, so the preview is the invoice that follows.
struct PlanChangeStep {
    struct Decided {
        var record: SubscriptionRows.Record
        let from: Plan
        let to: Plan
        let change: PlanChange
        let draft: InvoiceDraft?
        let profile: BillingProfile
    }

    func callAsFunction(planCode: String, in tx: TenantTransaction, lock: Bool, expectedVersion: Int?) async throws -> Decided {
        let record = try await SubscriptionViewStep.live(in: tx, lock: lock, expectedVersion: expectedVersion)
        guard let from = try await PlanRows.find(record.planID, in: tx) else {
            throw AppError(.internalError, "A subscription's plan is missing.")
        }
        guard let to = try await PlanRows.current(code: planCode, in: tx) else {
            throw AppError(.planNotFound, "There is no plan '\(planCode)'.")
        }
        guard let profile = try await ProfileRows.find(in: tx) else {
            throw AppError(.internalError, "The billing profile is missing.")
        }
        let change = try PlanChange.decide(currentPlan: from, targetPlan: to, status: record.status, currency: record.currency,
                                           periodStart: record.periodStart, periodEnd: record.periodEnd, at: tx.now)
        let draft = change.lines.isEmpty ? nil
            : try InvoiceDraft(lines: change.lines, currency: record.currency, taxRateBasisPoints: profile.taxRateBasisPoints)
        return Decided(record: record, from: from, to: to, change: change, draft: draft, profile: profile)
    }
}
