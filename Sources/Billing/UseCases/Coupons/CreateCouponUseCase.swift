import BillingAPI
import Foundation
import Kernel
import Storage

/// Staff (or an operator, `actor` nil) create a coupon: a code of 3 to 40 of A-Z, 0-9 and '-',
/// a percentage (0.01 to 100 %) or a positive fixed amount, a duration, optional limits.
struct CreateCouponUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal?, _ request: NewCoupon) async throws -> Coupon {
        try principal?.require(.billingOperate)
        var coupon = request
        coupon.code = request.code.trimmingCharacters(in: .whitespaces).uppercased()
        coupon.name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [FieldError] = []
        let codeOK = (3...40).contains(coupon.code.count)
            && coupon.code.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            && coupon.code.first != "-"
        if !codeOK { errors.append(FieldError(field: "code", code: "invalid_code", message: "Use 3 to 40 of A-Z, 0-9 and '-'.")) }
        if !(1...100).contains(coupon.name.unicodeScalars.count) {
            errors.append(FieldError(field: "name", code: "invalid_name", message: "Give a name of 1 to 100 characters."))
        }
        switch (coupon.percentOffBasisPoints, coupon.amountOff) {
        case (let bp?, nil) where (1...10_000).contains(bp): break
        case (nil, let amount?) where amount.isPositive && amount.minorUnits <= 1_000_000_000_000: break
        default:
            errors.append(FieldError(field: "discount", code: "invalid_discount",
                                     message: "Give either a percentage (0.01 to 100 %) or a positive amount, not both."))
        }
        if coupon.duration == .repeating {
            if !(1...120).contains(coupon.durationPeriods ?? 0) {
                errors.append(FieldError(field: "duration_periods", code: "invalid_periods", message: "A repeating coupon covers 1 to 120 invoices."))
            }
        } else {
            coupon.durationPeriods = nil
        }
        if let max = coupon.maxRedemptions, !(1...1_000_000).contains(max) {
            errors.append(FieldError(field: "max_redemptions", code: "invalid_max", message: "Allow 1 to 1,000,000 redemptions."))
        }
        guard errors.isEmpty else { throw AppError.validation(errors) }
        return try await platform.platform("create coupon") { tx in
            guard let created = try await CouponRows.insert(coupon, id: .generate(), in: tx) else {
                throw AppError(.conflict, "A coupon with the code '\(coupon.code)' exists already.")
            }
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: BillingAuditAction.couponCreated,
                                          target: "coupon/\(created.id)", requestID: principal?.requestID ?? "keel coupons create",
                                          after: ["code": .string(created.code)], actorStaffID: principal?.staffID,
                                          occurredAt: tx.now))
            return created
        }
    }
}
