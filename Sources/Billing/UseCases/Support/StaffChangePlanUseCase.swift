import BillingAPI
import Kernel
import Storage

/// Staff change a tenant's plan on its behalf, with a reason, by the tenant's own rules.
struct StaffChangePlanUseCase {
    let db: Database
    let policy: BillingPolicy

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, planCode: String, reason: String) async throws -> PlanChangeResult {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        try PlanCode.validate(planCode.lowercased())
        return try await db.tenant(tenantID) { tx in
            let applied = try await ApplyPlanChangeStep(policy: policy)(
                planCode: planCode.lowercased(), expectedVersion: nil, requestID: principal.requestID, actor: nil, in: tx)
            try await tx.audit(applied.action, by: principal, target: "subscription/\(applied.result.subscription.id)",
                               reason: reason, before: applied.before, after: applied.after)
            return applied.result
        }
    }
}
