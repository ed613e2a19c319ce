import BillingAPI
import Kernel
import Storage

/// Staff apply a coupon to a tenant's subscription on its behalf, with a reason.
struct ApplyCouponUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, code: String, reason: String) async throws -> Subscription {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        return try await db.tenant(tenantID) { tx in
            let (record, coupon) = try await RedeemCouponStep()(code: code, in: tx)
            try await tx.audit(.couponRedeemed, by: principal, target: "subscription/\(record.id)", reason: reason,
                               after: ["coupon": .string(coupon.code)])
            return try await SubscriptionViewStep()(record, in: tx)
        }
    }
}
