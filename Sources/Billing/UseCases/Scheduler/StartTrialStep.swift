import BillingAPI
import Foundation
import Kernel
import Storage

/// The signup saga's Billing step: a new tenant gets its billing profile and a trial on the
/// default plan, once. Run in the event's delivery transaction (its inbox record makes it
/// exactly once); a tenant that already has a live subscription is left as it is.
struct StartTrialStep {
    let policy: BillingPolicy

    func callAsFunction(tenantName: String, email: String?, requestID: String, in tx: TenantTransaction) async throws {
        if try await SubscriptionRows.live(in: tx) != nil { return }
        // No default plan is an operator's mistake: the delivery fails, is retried, and shows
        // in the dead letters; the account itself is not affected.
        guard let plan = try await PlanRows.defaultPlan(in: tx) else {
            throw AppError(.planNotFound, "There is no default plan to start a trial on.")
        }
        let profile = try await ProfileRows.ensure(currency: .usd, email: email, legalName: tenantName, in: tx)
        guard let price = plan.price(in: profile.currency) else {
            throw AppError(.currencyNotOffered, "The default plan is not sold in \(profile.currency.code).")
        }
        let now = tx.now
        let id = SubscriptionID.generate()
        if plan.trialDays > 0 {
            let trialEnd = BillingInterval.adding(days: plan.trialDays, to: now)
            let record = SubscriptionRows.Record(
                id: id, tenantID: tx.tenantID, planID: plan.id, currency: price.currency, status: .trialing,
                billingAnchor: trialEnd, trialEnd: trialEnd, periodStart: now, periodEnd: trialEnd, periodNumber: 0,
                cancelAtPeriodEnd: false, canceledAt: nil, pendingPlanID: nil, pastDueSince: nil, trialReminderSent: false,
                version: 1)
            try await SubscriptionRows.insert(record, in: tx)
            try await tx.publish(TrialStarted(tenantID: tx.tenantID, subscriptionID: id, planCode: plan.code,
                                              planName: plan.name, trialEnd: trialEnd, seats: plan.seats))
            try await tx.audit(.trialStarted, actor: nil, target: "subscription/\(id)", requestID: requestID,
                               after: record.auditSnapshot)
        } else {
            // No trial: the first period starts now, billed at once, like a trial that ended.
            let record = SubscriptionRows.Record(
                id: id, tenantID: tx.tenantID, planID: plan.id, currency: price.currency, status: .trialing,
                billingAnchor: now, trialEnd: nil, periodStart: now, periodEnd: now, periodNumber: 0,
                cancelAtPeriodEnd: false, canceledAt: nil, pendingPlanID: nil, pastDueSince: nil, trialReminderSent: true,
                version: 1)
            try await SubscriptionRows.insertStarting(record, in: tx)
            _ = try await AdvanceSubscriptionStep(policy: policy)(requestID: requestID, in: tx)
        }
    }
}
