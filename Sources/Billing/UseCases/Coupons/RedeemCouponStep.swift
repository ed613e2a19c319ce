import BillingAPI
import Foundation
import Kernel
import Storage

/// Applies a coupon by code to the tenant's live subscription, in the caller's transaction: the
/// code must exist, be within its redeem-by date and redemptions, fit the subscription's
/// currency (a fixed amount), be new to this tenant, and the subscription must have no live
/// coupon. Run by the tenant's redemption and by staff applying one for them.
struct RedeemCouponStep {
    /// For the live subscription: its invoices use the coupon from here on.
    func callAsFunction(code: String, in tx: TenantTransaction) async throws -> (SubscriptionRows.Record, Coupon) {
        let record = try await SubscriptionViewStep.live(in: tx, lock: true)
        let coupon = try await redeemable(code, currency: record.currency, in: tx)
        guard try await CouponRows.redeem(coupon.id, subscription: record.id, in: tx) else {
            throw AppError(.couponNotRedeemable, "This coupon was used already, or the subscription has a coupon.")
        }
        try await count(coupon, in: tx)
        return (record, coupon)
    }

    /// For a one-off invoice's source (an order): used up at once.
    func callAsFunction(code: String, source: String, currency: Currency, in tx: TenantTransaction) async throws -> Coupon {
        let coupon = try await redeemable(code, currency: currency, in: tx)
        guard try await CouponRows.redeem(coupon.id, source: source, in: tx) else {
            throw AppError(.couponNotRedeemable, "The coupon '\(coupon.code)' was used by this organisation already.")
        }
        try await count(coupon, in: tx)
        return coupon
    }

    private func redeemable(_ code: String, currency: Currency, in tx: TenantTransaction) async throws -> Coupon {
        let normalized = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard let coupon = try await CouponRows.find(code: normalized, in: tx) else {
            throw AppError(.couponNotFound, "There is no coupon '\(normalized)'.")
        }
        if let redeemBy = coupon.redeemBy, redeemBy <= tx.now {
            throw AppError(.couponNotRedeemable, "The coupon '\(coupon.code)' expired.")
        }
        if let amount = coupon.amountOff, amount.currency != currency {
            throw AppError(.couponNotRedeemable, "The coupon '\(coupon.code)' is for \(amount.currency.code) purchases.")
        }
        return coupon
    }

    private func count(_ coupon: Coupon, in tx: TenantTransaction) async throws {
        guard try await CouponRows.countRedemption(coupon.id, in: tx) else {
            throw AppError(.couponNotRedeemable, "The coupon '\(coupon.code)' has been fully redeemed.")
        }
    }
}
