import BillingAPI
import Kernel
import Storage

/// What changing to a plan now would do, saved nowhere (the same step as the change).
struct PreviewPlanChangeUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, planCode: String) async throws -> PlanChangePreview {
        try principal.require(.billingRead)
        return try await db.tenant(principal.tenantID) { tx in
            let decided = try await PlanChangeStep()(planCode: planCode, in: tx, lock: false, expectedVersion: nil)
            return PlanChangePreview(from: decided.from, to: decided.to,
                                     timing: decided.change.timing == .immediately ? .immediately : .atPeriodEnd,
                                     effectiveAt: decided.change.timing == .immediately ? tx.now : decided.record.periodEnd,
                                     invoice: try decided.draft?.preview(balance: decided.profile.balance))
        }
    }
}
