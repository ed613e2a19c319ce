import BillingAPI
import Kernel
import Storage

/// Every coupon, newest first (staff and operators).
struct ListCouponsUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal?) async throws -> [Coupon] {
        try principal?.require(.consoleRead)
        return try await platform.platform("list coupons") { tx in try await CouponRows.all(in: tx) }
    }
}
