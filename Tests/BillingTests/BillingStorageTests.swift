import Accounts
import AccountsAPI
@testable import Billing
import BillingAPI
import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

/// Billing against the real database: the signup saga through the outbox, gap-free numbering
/// under concurrency, renewals that race, and the preview that equals the invoice.
@Suite("Billing: saga, numbering, races, preview", .serialized)
struct BillingStorageTests {
    static let fast: EventDispatcher.Options = {
        var options = EventDispatcher.Options()
        options.baseBackoff = .milliseconds(1)
        options.maxBackoff = .milliseconds(5)
        options.pollInterval = .milliseconds(50)
        return options
    }()

    static func signUp(_ accounts: AccountsModule, slug: String = "b\(UInt32.random(in: 0...UInt32.max))") async throws -> SignUpResult {
        try await accounts.signUp(SignUp(tenantSlug: slug, tenantName: "Tenant \(slug)", ownerEmail: "owner@\(slug).test",
                                         ownerPassword: "correct horse battery staple", ownerName: "Owner", requestID: "test"),
                                  idempotency: nil)
    }

    static func subscriptions(of tenant: TenantID, in db: TestDatabase) async throws -> Int {
        try await db.database.tenant(tenant) { tx in
            try await tx.query("select count(*)::int as n from billing.subscriptions").first?.decode("n") ?? 0
        }
    }

    @Test("the signup saga: Billing's handler fails first, the account still works, and the retry starts the trial once")
    func sagaFailsThenRetries() async throws {
        // given: a catalog with no default plan (an operator's mistake), so Billing's handler fails
        let db = try await TestDatabase.shared().scratch("saga")
        let accounts = AccountsModule(db: db.database, platform: db.platform, hasher: TestHasher.shared)
        let billing = BillingModule(db: db.database, platform: db.platform, logger: TestDatabase.logger)
        var subscriptions = EventSubscriptions()
        billing.subscribe(into: &subscriptions)
        let dispatcher = EventDispatcher(platform: db.platform, subscriptions: subscriptions, options: Self.fast,
                                         logger: TestDatabase.logger)
        try await db.platform.platform("test: retire the default") { tx in
            try await tx.execute("update billing.plans set status = 'retired' where is_default")
        }
        // when: a tenant signs up and the outbox delivers its event
        let signedUp = try await Self.signUp(accounts)
        _ = try await dispatcher.dispatchBatch()
        // then: the account works, but there is no trial yet and the delivery waits for a retry
        let login = try await accounts.logIn(LogIn(tenantSlug: signedUp.tenant.slug, email: signedUp.owner.email,
                                                   password: "correct horse battery staple", source: "127.0.0.1", requestID: "t"))
        guard case .session = login else { Issue.record("the owner could not sign in"); return }
        #expect(try await Self.subscriptions(of: signedUp.tenant.id, in: db) == 0)
        let pending = try await db.platform.platform("test: outbox") { tx in
            try await tx.query("""
                select status, attempts, last_error from platform.outbox
                 where tenant_id = \(signedUp.tenant.id) and event_type = \(TenantSignedUp.eventType)
                """)
        }
        #expect(try pending.first?.decode("status", as: String.self) == "pending")
        #expect(try pending.first?.decode("last_error", as: String?.self)?.contains("default plan") == true)

        // when: the operator fixes the catalog and the outbox retries
        try await db.platform.platform("test: restore the default") { tx in
            try await tx.execute("update billing.plans set status = 'active' where is_default")
            try await tx.execute("update platform.outbox set available_at = now() where tenant_id = \(signedUp.tenant.id)")
        }
        for _ in 0..<20 where try await Self.subscriptions(of: signedUp.tenant.id, in: db) == 0 {
            _ = try await dispatcher.dispatchBatch()
            try await Task.sleep(for: .milliseconds(20))
        }
        // then: the trial exists, once; delivering the event again changes nothing
        #expect(try await Self.subscriptions(of: signedUp.tenant.id, in: db) == 1)
        try await db.platform.platform("test: re-queue") { tx in
            try await tx.execute("update platform.outbox set status = 'pending', available_at = now() where tenant_id = \(signedUp.tenant.id)")
        }
        _ = try await dispatcher.dispatchBatch()
        #expect(try await Self.subscriptions(of: signedUp.tenant.id, in: db) == 1)
        let status = try await db.database.tenant(signedUp.tenant.id) { tx in
            try await tx.query("select status from billing.subscriptions").first?.decode("status", as: String.self)
        }
        #expect(status == "trialing")
    }

    /// A grace period longer than the test's months, so unpaid subscriptions keep renewing.
    static let patient = BillingPolicy(graceDays: 365)

    /// Tenants each with a trial that has ended by `clock`, ready for their first invoice.
    static func tenantsPastTrial(_ count: Int, pool: DatabasePool, clock: ManualClock) async throws -> (BillingModule, [TenantID]) {
        let billing = BillingModule(db: pool.database, platform: pool.platformDatabase(), policy: Self.patient,
                                    logger: TestDatabase.logger)
        var tenants: [TenantID] = []
        for _ in 0..<count {
            let id = TenantID.generate()
            try await pool.database.tenant(id) { tx in
                try await StartTrialStep(policy: .init())(tenantName: "Tenant \(id)", email: nil, requestID: "test", in: tx)
            }
            tenants.append(id)
        }
        clock.advance(by: 15 * 86_400)
        return (billing, tenants)
    }

    @Test("two schedulers racing over the same due work issue one invoice per period, and numbers have no gaps")
    func racingRenewalsAndGapFreeNumbers() async throws {
        // given: twelve tenants whose trials have ended, and three months more on the clock
        let db = try await TestDatabase.shared().scratch("races")
        let clock = ManualClock(SystemClock().now)
        let tenants = try await db.withPool(clock: clock) { pool in try await db.withPool(clock: clock) { peer in
        let (billing, tenants) = try await Self.tenantsPastTrial(12, pool: pool, clock: clock)
        let other = BillingModule(db: peer.database, platform: peer.platformDatabase(), policy: Self.patient,
                                  logger: TestDatabase.logger)
        // when: two schedulers (two pools: two instances) run at once, three times over three months
        for _ in 0..<3 {
            async let first = billing.runDue(limit: 1000)
            async let second = other.runDue(limit: 1000)
            _ = try await (first, second)
            clock.advance(by: 31 * 86_400)
        }
        async let first = billing.runDue(limit: 1000)
        async let second = other.runDue(limit: 1000)
        _ = try await (first, second)
        return tenants
        } }
        // then: each tenant has exactly one invoice per paid period it began
        var numbers: [Int] = []
        for tenant in tenants {
            let (periods, invoices, distinct) = try await db.database.tenant(tenant) { tx in
                let period: Int = try await tx.query("select period_number from billing.subscriptions").first?.decode("period_number") ?? -1
                let rows = try await tx.query("select number, period_number from billing.invoices order by number")
                let perPeriod = Set(try rows.map { try $0.decode("period_number", as: Int.self) })
                numbers += try rows.map { Int(try $0.decode("number", as: String.self).dropFirst(5))! }
                return (period, rows.count, perPeriod.count)
            }
            #expect(periods >= 4, "a tenant ended its trial and renewed three times")
            #expect(invoices == periods && distinct == periods, "one invoice per period: \(invoices) for \(periods)")
        }
        // and the numbers are exactly 1…n: no gap, no duplicate
        #expect(numbers.sorted() == Array(1...numbers.count))
    }

    @Test("concurrent finalizations take consecutive numbers: no gaps, no duplicates, even when some roll back")
    func concurrentFinalization() async throws {
        // given: a scratch database and twenty finalizations at once, every fourth of which fails
        // after taking its number (its transaction rolls back)
        let db = try await TestDatabase.shared().scratch("numbers")
        let tenant = TenantID.generate()
        try await db.database.tenant(tenant) { tx in
            _ = try await ProfileRows.ensure(currency: .usd, legalName: "Numbers Ltd", in: tx)
        }
        struct Deliberate: Error {}
        let step = IssueInvoiceStep(policy: .init(invoicePrefix: "T-"))
        let line = try InvoiceLineDraft(kind: .item, description: "Thing", unitAmount: Money(minorUnits: 1000, currency: .usd))
        let draft = try InvoiceDraft(lines: [line], currency: .usd, taxRateBasisPoints: 1900)
        // when
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        try await db.database.tenant(tenant) { tx in
                            guard let profile = try await ProfileRows.find(in: tx) else { return }
                            _ = try await step(draft, reason: .manual, subscription: nil, period: nil, profile: profile,
                                               requestID: "test", actor: nil, in: tx)
                            if index % 4 == 3 { throw Deliberate() }
                        }
                    } catch is Deliberate {}
                }
            }
            try await group.waitForAll()
        }
        // then: fifteen invoices, numbered T-000001 … T-000015
        let numbers = try await db.database.tenant(tenant) { tx in
            try await tx.query("select number from billing.invoices order by number").map { try $0.decode("number", as: String.self) }
        }
        #expect(numbers == (1...15).map { "T-" + String(format: "%06d", $0) })
        // and the tax was computed per line and shown: 10.00 + 19 % = 11.90
        let total = try await db.database.tenant(tenant) { tx in
            try await tx.query("select total, tax from billing.invoices limit 1").first.map {
                (try $0.decode("total", as: Int.self), try $0.decode("tax", as: Int.self))
            }
        }
        #expect(total?.0 == 1190 && total?.1 == 190)
    }
}
