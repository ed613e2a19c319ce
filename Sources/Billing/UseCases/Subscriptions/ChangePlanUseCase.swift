import BillingAPI
import Kernel
import Storage

/// A tenant's user changes plan (`ApplyPlanChangeStep`, decided like the preview).
struct ChangePlanUseCase {
    let db: Database
    let policy: BillingPolicy

    func callAsFunction(_ principal: Principal, planCode: String, expectedVersion: Int?,
                        idempotency: IdempotentCompletion<PlanChangeResult>?) async throws -> PlanChangeResult {
        try principal.require(.billingManage)
        try PlanCode.validate(planCode)
        return try await db.tenant(principal.tenantID) { tx in
            let applied = try await ApplyPlanChangeStep(policy: policy)(
                planCode: planCode, expectedVersion: expectedVersion, requestID: principal.requestID, actor: principal.userID,
                in: tx)
            try await tx.audit(applied.action, actor: principal.userID, target: "subscription/\(applied.result.subscription.id)",
                               requestID: principal.requestID, before: applied.before, after: applied.after)
            if let idempotency { try await tx.complete(idempotency, with: applied.result) }
            return applied.result
        }
    }
}
