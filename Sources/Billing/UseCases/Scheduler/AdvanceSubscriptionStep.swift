import BillingAPI
import Foundation
import Kernel
import Storage

/// Everything due on one tenant's subscription by the clock, in the tenant's transaction with
/// the subscription locked (`FOR UPDATE SKIP LOCKED`): a second scheduler (another instance)
/// that reaches a subscription being advanced passes over it, and a later pass finds nothing
/// left to do. In
/// order: an overdue invoice makes an active subscription past due; a grace period that ran
/// out blocks it; a trial's reminder goes out; a period that ended cancels (if asked), ends
/// the trial or renews — one period per call, so a scheduler that was down catches up one
/// period at a time, each with its own invoice.
struct AdvanceSubscriptionStep {
    let policy: BillingPolicy
    /// The scheduler skips a subscription another transaction holds (`FOR UPDATE SKIP LOCKED`);
    /// a caller that must advance it now (a subscription without a trial, at sign-up) waits.
    var skipLocked = false

    func callAsFunction(requestID: String, in tx: TenantTransaction) async throws -> DueWorkReport {
        var report = DueWorkReport()
        guard var record = try await SubscriptionRows.live(in: tx, lock: true, skipLocked: skipLocked) else { return report }
        let now = tx.now
        let started = record

        if record.status == .active, try await InvoiceRows.overdue(subscription: record.id, at: now, in: tx) > 0 {
            record.status = try SubscriptionStatus.transition(from: record.status, on: .paymentFailed)
            record.pastDueSince = now
            try await tx.audit(.pastDue, actor: nil, target: "subscription/\(record.id)", requestID: requestID)
        }
        // The block decision re-reads the invoices in this transaction (the subscription is
        // locked): never block a tenant whose invoices are in fact paid (killbill #1997), nor
        // one whose dunning still has a retry scheduled.
        if record.status == .pastDue, let since = record.pastDueSince, since.addingTimeInterval(policy.grace) <= now,
           try await InvoiceRows.openCount(subscription: record.id, in: tx) > 0,
           try await !CollectionRows.retryScheduled(subscription: record.id, in: tx) {
            record.status = try SubscriptionStatus.transition(from: record.status, on: .graceExpired)
            try await tx.audit(.blocked, actor: nil, target: "subscription/\(record.id)", requestID: requestID)
            report.blocked += 1
        }
        if record.status == .trialing, !record.trialReminderSent, let trialEnd = record.trialEnd,
           trialEnd.addingTimeInterval(-policy.trialReminderLead) <= now, trialEnd > now {
            record.trialReminderSent = true
            report.trialReminders += 1
        }
        // A cancellation asked for takes effect at the period's end even when blocked; a blocked
        // subscription does not renew until it is paid.
        if record.periodEnd <= now, record.status != .blocked || record.cancelAtPeriodEnd {
            if record.cancelAtPeriodEnd {
                record.status = try SubscriptionStatus.transition(from: record.status, on: .cancel)
                record.canceledAt = record.periodEnd
                record.pendingPlanID = nil
                try await tx.audit(.canceled, actor: nil, target: "subscription/\(record.id)", requestID: requestID)
                report.cancellations += 1
            } else {
                try await startNextPeriod(&record, report: &report, requestID: requestID, in: tx)
            }
        }
        guard record != started else { return report }
        // Published once saved, so each carries the subscription as it now is.
        let saved = try await SubscriptionViewStep.save(record, in: tx)
        let view = try await SubscriptionViewStep()(saved, in: tx)
        if saved.trialReminderSent && !started.trialReminderSent, let trialEnd = saved.trialEnd {
            let profile = try await ProfileRows.find(in: tx)
            try await tx.publish(TrialEnding(tenantID: tx.tenantID, subscriptionID: saved.id, planName: view.plan.name,
                                             trialEnd: trialEnd, hasPaymentMethod: profile?.hasPaymentMethod ?? false,
                                             customerName: profile?.legalName ?? ProfileRows.unnamed, email: profile?.email,
                                             subscription: view))
        }
        if saved.status != started.status || saved.planID != started.planID {
            let previous = saved.planID != started.planID ? try await self.plan(started.planID, in: tx).code : nil
            let contact = try await ProfileRows.contact(in: tx)
            try await tx.publish(SubscriptionChanged(
                tenantID: tx.tenantID, subscriptionID: saved.id, planCode: view.plan.code, planName: view.plan.name,
                previousPlanCode: previous, status: saved.status, previousStatus: started.status, occurredAt: now, customerName: contact.name, email: contact.email,
                version: saved.version, seats: view.plan.seats, subscription: view))
        }
        return report
    }

    /// The trial's end or a renewal: the pending plan (a downgrade) takes over, the next paid
    /// period begins, and its invoice is issued. The invoice's unique key (subscription, period
    /// number) makes a second issue for the same period fail the transaction.
    private func startNextPeriod(_ record: inout SubscriptionRows.Record, report: inout DueWorkReport, requestID: String,
                                 in tx: TenantTransaction) async throws {
        guard let profile = try await ProfileRows.find(in: tx) else {
            throw AppError(.internalError, "The billing profile is missing.")
        }
        let endingTrial = record.status == .trialing
        if endingTrial {
            record.status = try SubscriptionStatus.transition(
                from: .trialing, on: .trialEnded(hasPaymentMethod: profile.hasPaymentMethod))
            if record.status == .pastDue { record.pastDueSince = tx.now }
        }
        if let pending = record.pendingPlanID {
            record.planID = pending
            record.pendingPlanID = nil
        }
        let plan = try await plan(record.planID, in: tx)
        guard let price = plan.price(in: record.currency) else {
            throw AppError(.currencyNotOffered, "The \(plan.name) plan is not sold in \(record.currency.code).")
        }
        record.periodNumber += 1
        record.periodStart = record.periodEnd
        record.periodEnd = plan.interval.calendar.periodEnd(anchor: record.billingAnchor, period: record.periodNumber - 1)
        var lines = [try InvoiceLineDraft(kind: .subscription, description: "\(plan.name) plan", unitAmount: price,
                                          periodStart: record.periodStart, periodEnd: record.periodEnd)]
        if let redemption = try await CouponRows.live(subscription: record.id, in: tx, lock: true),
           let coupon = try await CouponRows.find(redemption.couponID, in: tx) {
            // A coupon that cannot discount this invoice (another currency) is not used up by it.
            if let discount = try CouponDiscount.line(coupon, base: price) {
                lines.append(discount)
                try await CouponRows.used(redemption.id, ended: CouponDiscount.endsAfter(coupon, periodsApplied: redemption.periodsApplied),
                                          in: tx)
            }
        }
        let draft = try InvoiceDraft(lines: lines, currency: record.currency, taxRateBasisPoints: profile.taxRateBasisPoints)
        let invoice = try await IssueInvoiceStep(policy: policy)(
            draft, reason: .subscriptionCycle, subscription: record.id,
            period: .init(start: record.periodStart, end: record.periodEnd, number: record.periodNumber),
            profile: profile, requestID: requestID, actor: nil, in: tx)
        // Nothing owed (a free plan, a 100 % coupon, the balance covered it): nothing to be late with.
        if invoice.status == .paid && record.status == .pastDue {
            record.status = try SubscriptionStatus.transition(from: record.status, on: .invoicePaid)
            record.pastDueSince = nil
        }
        try await tx.audit(endingTrial ? .trialEnded : .renewed, actor: nil, target: "subscription/\(record.id)",
                           requestID: requestID, after: ["period_number": .int(record.periodNumber),
                                                         "status": .string(record.status.rawValue)])
        if endingTrial { report.trialsEnded += 1 } else { report.renewals += 1 }
    }

    private func plan(_ id: PlanID, in tx: TenantTransaction) async throws -> Plan {
        guard let plan = try await PlanRows.find(id, in: tx) else { throw AppError(.internalError, "A subscription's plan is missing.") }
        return plan
    }
}
