public import Foundation
public import Kernel

/// A discount the platform offers by code: a percentage or a fixed amount (in one currency)
/// off a subscription's invoices, once, for some periods, or for ever.
public struct Coupon: Sendable, Equatable, Codable {
    public enum Duration: String, Sendable, Codable, CaseIterable { case once, repeating, forever }

    public let id: CouponID
    public let code: String
    public let name: String
    /// 2500 is 25 % off; `nil` for a fixed amount.
    public let percentOffBasisPoints: Int?
    public let amountOff: Money?
    public let duration: Duration
    /// For `repeating`: how many invoices it discounts.
    public let durationPeriods: Int?
    public let maxRedemptions: Int?
    public let redeemBy: Date?
    public let timesRedeemed: Int

    public init(id: CouponID, code: String, name: String, percentOffBasisPoints: Int?, amountOff: Money?, duration: Duration,
                durationPeriods: Int?, maxRedemptions: Int?, redeemBy: Date?, timesRedeemed: Int) {
        self.id = id
        self.code = code
        self.name = name
        self.percentOffBasisPoints = percentOffBasisPoints
        self.amountOff = amountOff
        self.duration = duration
        self.durationPeriods = durationPeriods
        self.maxRedemptions = maxRedemptions
        self.redeemBy = redeemBy
        self.timesRedeemed = timesRedeemed
    }
}

/// A coupon as applied to a subscription, with how much of it is used.
public struct AppliedCoupon: Sendable, Equatable, Codable {
    public let coupon: Coupon
    public let periodsApplied: Int
    public let redeemedAt: Date

    public init(coupon: Coupon, periodsApplied: Int, redeemedAt: Date) {
        self.coupon = coupon
        self.periodsApplied = periodsApplied
        self.redeemedAt = redeemedAt
    }
}

/// What staff ask for when they create a coupon.
public struct NewCoupon: Sendable, Equatable {
    public var code: String
    public var name: String
    public var percentOffBasisPoints: Int?
    public var amountOff: Money?
    public var duration: Coupon.Duration
    public var durationPeriods: Int?
    public var maxRedemptions: Int?
    public var redeemBy: Date?

    public init(code: String, name: String, percentOffBasisPoints: Int? = nil, amountOff: Money? = nil,
                duration: Coupon.Duration, durationPeriods: Int? = nil, maxRedemptions: Int? = nil, redeemBy: Date? = nil) {
        self.code = code
        self.name = name
        self.percentOffBasisPoints = percentOffBasisPoints
        self.amountOff = amountOff
        self.duration = duration
        self.durationPeriods = durationPeriods
        self.maxRedemptions = maxRedemptions
        self.redeemBy = redeemBy
    }
}

public struct CouponID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

public struct CreditNoteID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Money given back against an issued invoice: it lowers what is due on an open invoice, and
/// what is left (or all of it, on a paid invoice) becomes customer balance that the next
/// invoices consume — or, for a refund, goes back to the card (`refunded`).
public struct CreditNote: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let description: String
        public let amount: Money
        public init(description: String, amount: Money) {
            self.description = description
            self.amount = amount
        }
    }

    public let id: CreditNoteID
    public let invoiceID: InvoiceID
    public let number: String
    public let reason: String
    public let lines: [Line]
    public let amount: Money
    public let appliedToInvoice: Money
    public let creditedToBalance: Money
    /// Given back to the card through the payment provider (a refund).
    public let refunded: Money
    public let createdAt: Date

    public init(id: CreditNoteID, invoiceID: InvoiceID, number: String, reason: String, lines: [Line], amount: Money,
                appliedToInvoice: Money, creditedToBalance: Money, refunded: Money? = nil, createdAt: Date) {
        self.refunded = refunded ?? .zero(amount.currency)
        self.id = id
        self.invoiceID = invoiceID
        self.number = number
        self.reason = reason
        self.lines = lines
        self.amount = amount
        self.appliedToInvoice = appliedToInvoice
        self.creditedToBalance = creditedToBalance
        self.createdAt = createdAt
    }
}

extension AppError.Code {
    public static let couponNotFound = Self("coupon_not_found", kind: .notFound)
    /// Expired, fully redeemed, already used by this tenant, or another coupon is applied.
    public static let couponNotRedeemable = Self("coupon_not_redeemable", kind: .conflict)
    public static let creditNoteNotFound = Self("credit_note_not_found", kind: .notFound)
}
