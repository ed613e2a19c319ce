import BillingAPI
import Foundation
import Kernel

/// What changing plan does, decided in one place for the preview and for the change itself,
/// so the two cannot disagree.
///
/// - During a trial the plan changes at once and nothing is billed (the trial is free).
/// - An upgrade (a higher price per period, same interval) applies at once: a proration credit
///   for the unused time of the old price and a charge for it at the new price, one line each,
///   invoiced now.
/// - A downgrade, or a plan of the same price, waits for the period's end (a pending change):
///   the customer keeps what they paid for.
/// - Changing between monthly and yearly plans is refused for now: it needs a new billing
///   anchor, which this version does not do.
struct PlanChange: Equatable, Sendable {
    enum Timing: Equatable, Sendable { case immediately, atPeriodEnd }

    let timing: Timing
    /// The lines an immediate change bills (empty during a trial).
    let lines: [InvoiceLineDraft]

    static func decide(currentPlan: Plan, targetPlan: Plan, status: SubscriptionStatus, currency: Currency,
                       periodStart: Date, periodEnd: Date, at now: Date) throws -> PlanChange {
        guard targetPlan.code != currentPlan.code else {
            throw AppError(.subscriptionConflict, "The subscription is already on the \(currentPlan.name) plan.")
        }
        guard status.isLive else { throw AppError(.subscriptionConflict, "The subscription is canceled.") }
        guard targetPlan.interval == currentPlan.interval else {
            throw AppError(.subscriptionConflict,
                           "Changing between monthly and yearly plans is not supported yet; contact support.")
        }
        guard let newPrice = targetPlan.price(in: currency) else {
            throw AppError(.currencyNotOffered, "The \(targetPlan.name) plan is not sold in \(currency.code).")
        }
        guard let oldPrice = currentPlan.price(in: currency) else {
            throw AppError(.internalError, "The current plan has no price in the subscription's currency.")
        }
        if status == .trialing { return PlanChange(timing: .immediately, lines: []) }
        // A blocked subscription, or one whose period has ended unrenewed, has nothing to prorate.
        guard status != .blocked, periodEnd > now else {
            throw AppError(.subscriptionConflict, "The subscription must be paid up and in a current period to change plan.")
        }
        guard try oldPrice.isLess(than: newPrice) else { return PlanChange(timing: .atPeriodEnd, lines: []) }
        let proration = try Proration.compute(oldPrice: oldPrice, newPrice: newPrice, periodStart: periodStart,
                                              periodEnd: periodEnd, changeAt: now)
        let lines = [
            try InvoiceLineDraft(kind: .proration, description: "Unused time on \(currentPlan.name)",
                                 unitAmount: proration.credit, periodStart: now, periodEnd: periodEnd),
            try InvoiceLineDraft(kind: .proration, description: "Remaining time on \(targetPlan.name)",
                                 unitAmount: proration.charge, periodStart: now, periodEnd: periodEnd),
        ]
        return PlanChange(timing: .immediately, lines: lines)
    }
}

extension Plan.Interval {
    /// The calendar rule of this interval.
    var calendar: BillingInterval {
        switch self {
        case .month: .month
        case .year: .year
        }
    }
}
