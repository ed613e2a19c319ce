import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for the catalog, `billing.plans` and `billing.plan_prices` (readable by every tenant).
enum PlanRows {
    static let columns: SQL = """
        p.plan_id, p.code, p.version, p.name, p.interval, p.trial_days, p.seats, p.is_default, p.status,
        coalesce((select array_agg(pp.currency || ':' || pp.amount order by pp.currency)
                    from billing.plan_prices pp where pp.plan_id = p.plan_id), '{}') as prices
        """

    /// The active plans, the newest version of each code, cheapest first.
    static func active(in tx: some SQLTransaction) async throws -> [Plan] {
        try await tx.query("""
            select \(columns) from billing.plans p
             where p.status = 'active'
               and p.version = (select max(version) from billing.plans q where q.code = p.code and q.status = 'active')
             order by p.is_default desc, p.code
            """).map(decode)
    }

    static func find(_ id: PlanID, in tx: some SQLTransaction) async throws -> Plan? {
        try await tx.query("select \(columns) from billing.plans p where p.plan_id = \(id)").first.map(decode)
    }

    /// What a new subscription to `code` gets: its newest active version.
    static func current(code: String, in tx: some SQLTransaction) async throws -> Plan? {
        try await tx.query("""
            select \(columns) from billing.plans p
             where p.code = \(code) and p.status = 'active' order by p.version desc limit 1
            """).first.map(decode)
    }

    /// The plan sign-up starts a trial on.
    static func defaultPlan(in tx: some SQLTransaction) async throws -> Plan? {
        try await tx.query("select \(columns) from billing.plans p where p.is_default and p.status = 'active'").first.map(decode)
    }

    /// Every version of every plan, newest first.
    static func all(in tx: some SQLTransaction) async throws -> [Plan] {
        try await tx.query("select \(columns) from billing.plans p order by p.code, p.version desc").map(decode)
    }

    /// Adds `plan` as the code's next version (1 for a new code), retiring the older active
    /// versions and, when it becomes the default, taking the default from whichever plan had it.
    static func insertVersion(_ plan: NewPlanVersion, id: PlanID, in tx: PlatformTransaction) async throws -> Plan {
        // One writer at a time per catalog: versions are numbered max + 1.
        try await tx.execute("select pg_advisory_xact_lock(hashtext('billing.plans'))")
        let previous = try await tx.query("select plan_id, is_default from billing.plans where code = \(plan.code) and status = 'active'")
        let inheritsDefault = try previous.contains { try $0.decode("is_default", as: Bool.self) }
        let makeDefault = plan.makeDefault || inheritsDefault
        if makeDefault && !plan.prices.contains(where: { $0.currency == .usd }) {
            throw AppError(.conflict, "This would be the default plan, which needs a USD price: every trial starts in USD.")
        }
        try await tx.execute("update billing.plans set status = 'retired', is_default = false where code = \(plan.code) and status = 'active'")
        if makeDefault { try await tx.execute("update billing.plans set is_default = false where is_default") }
        try await tx.execute("""
            insert into billing.plans (plan_id, code, version, name, interval, trial_days, seats, is_default, created_at)
            values (\(id), \(plan.code), (select coalesce(max(version), 0) + 1 from billing.plans where code = \(plan.code)),
                    \(plan.name), \(plan.interval.rawValue), \(plan.trialDays), \(plan.seats), \(makeDefault), \(tx.now))
            """)
        for price in plan.prices {
            try await tx.execute("insert into billing.plan_prices (plan_id, currency, amount) values (\(id), \(price.currency.code), \(price.sql))")
        }
        guard let saved = try await find(id, in: tx) else { throw AppError(.internalError, "A plan just written could not be read back.") }
        return saved
    }

    /// Retires the code's active version; `nil` when it has none.
    static func retire(code: String, in tx: PlatformTransaction) async throws -> Plan? {
        guard let row = try await tx.query("""
            update billing.plans set status = 'retired' where code = \(code) and status = 'active' returning plan_id
            """).first else { return nil }
        return try await find(try row.decode("plan_id"), in: tx)
    }

    static func decode(_ row: Row) throws -> Plan {
        Plan(id: try row.decode("plan_id"), code: try row.decode("code"), version: try row.decode("version"),
                    name: try row.decode("name"), interval: try row.decode("interval", as: Plan.Interval.self),
                    trialDays: try row.decode("trial_days"), seats: try row.decode("seats"), prices: try row.prices("prices"),
                    isDefault: try row.decode("is_default"), status: try row.decode("status", as: Plan.Status.self))
    }
}
