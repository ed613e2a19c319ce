import BillingAPI
import Kernel
import Storage

/// A tenant applies a coupon by code to its subscription.
struct RedeemCouponUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, code: String) async throws -> Subscription {
        try principal.require(.billingManage)
        return try await db.tenant(principal.tenantID) { tx in
            let (record, coupon) = try await RedeemCouponStep()(code: code, in: tx)
            try await tx.audit(.couponRedeemed, actor: principal.userID, target: "subscription/\(record.id)",
                               requestID: principal.requestID, after: ["coupon": .string(coupon.code)])
            return try await SubscriptionViewStep()(record, in: tx)
        }
    }
}
