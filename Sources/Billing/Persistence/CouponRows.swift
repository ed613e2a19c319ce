import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for `billing.coupons` (the platform's) and `billing.coupon_redemptions` (a tenant's).
enum CouponRows {
    static let columns: SQL = """
        c.coupon_id, c.code, c.name, c.percent_off_bp, c.amount_off, c.currency, c.duration, c.duration_periods,
        c.max_redemptions, c.redeem_by, c.times_redeemed
        """

    static func insert(_ coupon: NewCoupon, id: CouponID, in tx: PlatformTransaction) async throws -> Coupon? {
        try await tx.query("""
            insert into billing.coupons as c
                (coupon_id, code, name, percent_off_bp, amount_off, currency, duration, duration_periods, max_redemptions,
                 redeem_by, created_at)
            values (\(id), \(coupon.code), \(coupon.name), \(coupon.percentOffBasisPoints), \(coupon.amountOff?.sql),
                    \(coupon.amountOff?.currency.code), \(coupon.duration.rawValue), \(coupon.durationPeriods),
                    \(coupon.maxRedemptions), \(coupon.redeemBy), \(tx.now))
            on conflict (code) do nothing
            returning \(columns)
            """).first.map(decode)
    }

    static func all(in tx: some SQLTransaction) async throws -> [Coupon] {
        try await tx.query("select \(columns) from billing.coupons c order by c.created_at desc, c.code").map(decode)
    }

    static func find(code: String, in tx: some SQLTransaction) async throws -> Coupon? {
        try await tx.query("select \(columns) from billing.coupons c where c.code = \(code)").first.map(decode)
    }

    static func find(_ id: CouponID, in tx: some SQLTransaction) async throws -> Coupon? {
        try await tx.query("select \(columns) from billing.coupons c where c.coupon_id = \(id)").first.map(decode)
    }

    /// Counts one redemption, unless the coupon is used up; `false` then.
    static func countRedemption(_ id: CouponID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            update billing.coupons set times_redeemed = times_redeemed + 1
             where coupon_id = \(id) and (max_redemptions is null or times_redeemed < max_redemptions)
            returning 1
            """).isEmpty
    }

    // MARK: Redemptions

    struct Redemption: Sendable, Equatable {
        let id: UUID
        let couponID: CouponID
        let periodsApplied: Int
        let redeemedAt: Date
    }

    /// Records the tenant's redemption; `false` when this tenant used the coupon before, or the
    /// subscription has a live coupon already.
    static func redeem(_ couponID: CouponID, subscription: SubscriptionID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            insert into billing.coupon_redemptions (tenant_id, redemption_id, coupon_id, subscription_id, redeemed_at)
            values (\(tx.tenantID), \(UUID.v7()), \(couponID), \(subscription), \(tx.now))
            on conflict do nothing
            returning 1
            """).isEmpty
    }

    /// A redemption for a one-off invoice's source, used up at once; `false` when the tenant
    /// redeemed this coupon before.
    static func redeem(_ couponID: CouponID, source: String, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            insert into billing.coupon_redemptions (tenant_id, redemption_id, coupon_id, source, periods_applied, ended, redeemed_at)
            values (\(tx.tenantID), \(UUID.v7()), \(couponID), \(source), 1, true, \(tx.now))
            on conflict do nothing
            returning 1
            """).isEmpty
    }

    /// The live coupon of a subscription, locked (a renewal is about to use it).
    static func live(subscription: SubscriptionID, in tx: TenantTransaction, lock: Bool = false) async throws -> Redemption? {
        guard let row = try await tx.query("""
            select redemption_id, coupon_id, periods_applied, redeemed_at from billing.coupon_redemptions
             where tenant_id = \(tx.tenantID) and subscription_id = \(subscription) and not ended
            \(unsafeRaw: lock ? "for update" : "")
            """).first else { return nil }
        return Redemption(id: try row.decode("redemption_id"), couponID: try row.decode("coupon_id"),
                          periodsApplied: try row.decode("periods_applied"), redeemedAt: try row.decode("redeemed_at"))
    }

    /// One more invoice discounted; `ended` when that was its last.
    static func used(_ id: UUID, ended: Bool, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.coupon_redemptions set periods_applied = periods_applied + 1, ended = \(ended)
             where tenant_id = \(tx.tenantID) and redemption_id = \(id)
            """)
    }

    static func decode(_ row: Row) throws -> Coupon {
        let currencyCode: String? = try row.decode("currency")
        let amount: Int? = try row.decode("amount_off")
        var amountOff: Money?
        if let currencyCode, let amount {
            amountOff = Money(minorUnits: Int64(amount), currency: try row.currency("currency"))
            _ = currencyCode
        }
        return Coupon(id: try row.decode("coupon_id"), code: try row.decode("code"), name: try row.decode("name"),
                      percentOffBasisPoints: try row.decode("percent_off_bp"), amountOff: amountOff,
                      duration: try row.decode("duration", as: Coupon.Duration.self),
                      durationPeriods: try row.decode("duration_periods"), maxRedemptions: try row.decode("max_redemptions"),
                      redeemBy: try row.decode("redeem_by"), timesRedeemed: try row.decode("times_redeemed"))
    }
}
