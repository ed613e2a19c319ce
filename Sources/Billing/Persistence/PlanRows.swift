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

    static func decode(_ row: Row) throws -> Plan {
        let prices = try row.decode("prices", as: [String].self).map { entry -> Money in
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let currency = Currency(code: String(parts[0])), let amount = Int64(parts[1]) else {
                throw AppError(.internalError, "A stored price could not be read.", diagnostics: "plan price '\(entry)'")
            }
            return Money(minorUnits: amount, currency: currency)
        }
        return Plan(id: try row.decode("plan_id"), code: try row.decode("code"), version: try row.decode("version"),
                    name: try row.decode("name"), interval: try row.decode("interval", as: Plan.Interval.self),
                    trialDays: try row.decode("trial_days"), seats: try row.decode("seats"), prices: prices,
                    isDefault: try row.decode("is_default"), status: try row.decode("status", as: Plan.Status.self))
    }
}
