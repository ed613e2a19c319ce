import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for `billing.subscriptions`.
enum SubscriptionRows {
    /// A subscription as stored: plans by id (the use case loads them).
    struct Record: Sendable, Equatable {
        var id: SubscriptionID
        var tenantID: TenantID
        var planID: PlanID
        var currency: Currency
        var status: SubscriptionStatus
        var billingAnchor: Date
        var trialEnd: Date?
        var periodStart: Date
        var periodEnd: Date
        var periodNumber: Int
        var cancelAtPeriodEnd: Bool
        var canceledAt: Date?
        var pendingPlanID: PlanID?
        var pastDueSince: Date?
        var trialReminderSent: Bool
        var version: Int
    }

    static let columns: SQL = """
        subscription_id, tenant_id, plan_id, currency, status, billing_anchor, trial_end, current_period_start,
        current_period_end, period_number, cancel_at_period_end, canceled_at, pending_plan_id, past_due_since,
        trial_reminder_sent, version
        """

    static func insert(_ record: Record, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into billing.subscriptions
                (tenant_id, subscription_id, plan_id, currency, status, billing_anchor, trial_end, current_period_start,
                 current_period_end, period_number, created_at, updated_at)
            values (\(tx.tenantID), \(record.id), \(record.planID), \(record.currency.code), \(record.status.rawValue),
                    \(record.billingAnchor), \(record.trialEnd), \(record.periodStart), \(record.periodEnd),
                    \(record.periodNumber), \(tx.now), \(tx.now))
            """)
    }

    /// The tenant's live subscription, locked when it is about to change. `skipLocked` (the
    /// scheduler) passes over a subscription another transaction holds instead of waiting: a
    /// second scheduler moves on, and the next pass finds whatever is still due.
    static func live(in tx: TenantTransaction, lock: Bool = false, skipLocked: Bool = false) async throws -> Record? {
        try await tx.query("""
            select \(columns) from billing.subscriptions where tenant_id = \(tx.tenantID) and status <> 'canceled'
            \(unsafeRaw: lock ? (skipLocked ? "for update skip locked" : "for update") : "")
            """).first.map(decode)
    }

    /// Writes every changing field and moves the version on; `false` when the row moved on
    /// since `record.version` was read.
    static func save(_ record: Record, in tx: TenantTransaction) async throws -> Record? {
        try await tx.query("""
            update billing.subscriptions
               set plan_id = \(record.planID), status = \(record.status.rawValue), billing_anchor = \(record.billingAnchor),
                   trial_end = \(record.trialEnd), current_period_start = \(record.periodStart),
                   current_period_end = \(record.periodEnd), period_number = \(record.periodNumber),
                   cancel_at_period_end = \(record.cancelAtPeriodEnd), canceled_at = \(record.canceledAt),
                   pending_plan_id = \(record.pendingPlanID), past_due_since = \(record.pastDueSince),
                   trial_reminder_sent = \(record.trialReminderSent), version = version + 1, updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and subscription_id = \(record.id) and version = \(record.version)
            returning \(columns)
            """).first.map(decode)
    }

    /// Tenants whose subscription has work due by `now` (the scheduler's search, across tenants):
    /// a period or trial that ended, a trial reminder to send, a grace period that ran out, or an
    /// open invoice past its due date.
    static func due(at now: Date, reminderLead: TimeInterval, grace: TimeInterval, limit: Int,
                    in tx: PlatformTransaction) async throws -> [TenantID] {
        try await tx.query("""
            select s.tenant_id from billing.subscriptions s
             where s.status <> 'canceled' and (
                   (s.current_period_end <= \(now) and (s.status <> 'blocked' or s.cancel_at_period_end))
                or (s.status = 'trialing' and not s.trial_reminder_sent
                    and s.trial_end <= \(now)::timestamptz + make_interval(secs => \(reminderLead)))
                or (s.status = 'past_due' and s.past_due_since <= \(now)::timestamptz - make_interval(secs => \(grace)))
                or (s.status = 'active' and exists (
                       select 1 from billing.invoices i
                        where i.tenant_id = s.tenant_id and i.subscription_id = s.subscription_id
                          and i.status = 'open' and i.due_at <= \(now))))
             order by s.current_period_end
             limit \(limit)
            """).map { try $0.decode("tenant_id") }
    }

    static func decode(_ row: Row) throws -> Record {
        Record(id: try row.decode("subscription_id"), tenantID: try row.decode("tenant_id"),
                      planID: try row.decode("plan_id"), currency: try row.currency("currency"),
                      status: try row.decode("status", as: SubscriptionStatus.self),
                      billingAnchor: try row.decode("billing_anchor"), trialEnd: try row.decode("trial_end"),
                      periodStart: try row.decode("current_period_start"), periodEnd: try row.decode("current_period_end"),
                      periodNumber: try row.decode("period_number"), cancelAtPeriodEnd: try row.decode("cancel_at_period_end"),
                      canceledAt: try row.decode("canceled_at"), pendingPlanID: try row.decode("pending_plan_id"),
                      pastDueSince: try row.decode("past_due_since"), trialReminderSent: try row.decode("trial_reminder_sent"),
                      version: try row.decode("version"))
    }
}

extension SubscriptionRows {
    /// Moves a subscription that has billed nothing yet to another currency.
    static func saveCurrency(_ record: Record, in tx: TenantTransaction) async throws -> Record? {
        try await tx.query("""
            update billing.subscriptions set currency = \(record.currency.code), version = version + 1, updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and subscription_id = \(record.id)
            returning \(columns)
            """).first.map(decode)
    }
}

extension SubscriptionRows {
    /// A subscription without a trial: inserted with an empty first period (start = end = now),
    /// which the caller advances at once into its first paid period.
    static func insertStarting(_ record: Record, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into billing.subscriptions
                (tenant_id, subscription_id, plan_id, currency, status, billing_anchor, trial_end, current_period_start,
                 current_period_end, period_number, trial_reminder_sent, created_at, updated_at)
            values (\(tx.tenantID), \(record.id), \(record.planID), \(record.currency.code), \(record.status.rawValue),
                    \(record.billingAnchor), null, \(record.periodStart.addingTimeInterval(-1)), \(record.periodEnd),
                    0, true, \(tx.now), \(tx.now))
            """)
    }
}
