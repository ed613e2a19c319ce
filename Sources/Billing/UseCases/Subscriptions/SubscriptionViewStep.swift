import BillingAPI
import Kernel
import Storage

/// A stored subscription as callers see it: its plan and pending plan loaded.
struct SubscriptionViewStep {
    func callAsFunction(_ record: SubscriptionRows.Record, in tx: TenantTransaction) async throws -> Subscription {
        guard let plan = try await PlanRows.find(record.planID, in: tx) else {
            throw AppError(.internalError, "A subscription's plan is missing.")
        }
        let pending = try await record.pendingPlanID.asyncMap { try await PlanRows.find($0, in: tx) } ?? nil
        var coupon: AppliedCoupon?
        if let redemption = try await CouponRows.live(subscription: record.id, in: tx),
           let found = try await CouponRows.find(redemption.couponID, in: tx) {
            coupon = AppliedCoupon(coupon: found, periodsApplied: redemption.periodsApplied, redeemedAt: redemption.redeemedAt)
        }
        return Subscription(id: record.id, tenantID: record.tenantID, plan: plan, currency: record.currency,
                            status: record.status, trialEnd: record.trialEnd, currentPeriodStart: record.periodStart,
                            currentPeriodEnd: record.periodEnd, cancelAtPeriodEnd: record.cancelAtPeriodEnd,
                            canceledAt: record.canceledAt, pendingPlan: pending, coupon: coupon, version: record.version)
    }

    /// The tenant's live subscription, or `.subscriptionNotFound`.
    static func live(in tx: TenantTransaction, lock: Bool = false, expectedVersion: Int? = nil) async throws -> SubscriptionRows.Record {
        guard let record = try await SubscriptionRows.live(in: tx, lock: lock) else {
            throw AppError(.subscriptionNotFound, "This organisation has no subscription.")
        }
        if let expectedVersion, expectedVersion != record.version { throw AppError.versionMismatch(current: record.version) }
        return record
    }

    /// Saves `record` (read under lock at `record.version`).
    static func save(_ record: SubscriptionRows.Record, in tx: TenantTransaction) async throws -> SubscriptionRows.Record {
        guard let saved = try await SubscriptionRows.save(record, in: tx) else {
            throw AppError.versionMismatch(current: record.version + 1)
        }
        return saved
    }

    /// Saves a status change made without a plan change (payments, settling) and publishes it.
    static func publishStatusChange(from before: SubscriptionRows.Record, to record: SubscriptionRows.Record,
                                    in tx: TenantTransaction) async throws {
        let saved = try await save(record, in: tx)
        let view = try await SubscriptionViewStep()(saved, in: tx)
        let contact = try await ProfileRows.contact(in: tx)
        try await tx.publish(SubscriptionChanged(
            tenantID: tx.tenantID, subscriptionID: saved.id, planCode: view.plan.code, planName: view.plan.name,
            previousPlanCode: nil, status: saved.status, previousStatus: before.status, occurredAt: tx.now,
            customerName: contact.name, email: contact.email, version: saved.version, seats: view.plan.seats, subscription: view))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
