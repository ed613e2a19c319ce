@testable import Billing
import BillingAPI
import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

/// The preview and the change take one code path (`PlanChangeStep`); this checks the promise
/// end to end, through the database: for random plans, prices, currencies, tax rates and
/// instants in the period, the invoice the change saves (read back) is the preview, line for
/// line and total for total.
@Suite("Billing: the preview is the invoice that follows")
struct PreviewEqualsInvoiceTests {
    /// A small deterministic generator, so a failure names a case that can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("30 random upgrades: preview lines and totals equal the saved invoice's")
    func previewEqualsInvoice() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SplitMix(state: seed)
        let db = try await TestDatabase.shared().scratch("preview")
        let clock = ManualClock(SystemClock().now)
        let policy = BillingPolicy(graceDays: 3650)
        try await db.withPool(clock: clock) { pool in
        for index in 0..<30 {
            // given: two random plans (the second dearer) sold in a random currency
            let currency = [Currency.usd, .jpy, .bhd, .eur][Int.random(in: 0..<4, using: &random)]
            let cheap = Int64.random(in: 0...5_000_000, using: &random)
            let dear = cheap + Int64.random(in: 1...5_000_000, using: &random)
            let (low, high) = ("lo-\(index)-\(seed % 10_000)", "hi-\(index)-\(seed % 10_000)")
            try await pool.platformDatabase().platform("test: plans") { tx in
                for (code, amount) in [(low, cheap), (high, dear)] {
                    let id = PlanID.generate()
                    try await tx.execute("""
                        insert into billing.plans (plan_id, code, version, name, interval, trial_days, created_at)
                        values (\(id), \(code), 1, \("Plan " + code), 'month', 0, \(tx.now))
                        """)
                    try await tx.execute("""
                        insert into billing.plan_prices (plan_id, currency, amount) values (\(id), \(currency.code), \(Int(amount)))
                        """)
                }
            }
            // and a tenant in a paid period of the cheap plan, with a random tax rate and, every other
            // case, some customer balance (credit) that the change's invoice spends first
            let tenant = TenantID.generate()
            let tax = Int.random(in: 0...2_500, using: &random)
            let balance = index.isMultiple(of: 2) ? Int.random(in: 0...Int(dear), using: &random) : 0
            try await pool.database.tenant(tenant) { tx in
                _ = try await ProfileRows.ensure(currency: currency, legalName: "Case \(index)", in: tx)
                try await tx.execute("update billing.profiles set tax_rate_bp = \(tax) where tenant_id = \(tx.tenantID)")
                guard let plan = try await PlanRows.current(code: low, in: tx) else { throw CaseFailure("no plan") }
                let record = SubscriptionRows.Record(
                    id: .generate(), tenantID: tenant, planID: plan.id, currency: currency, status: .trialing,
                    billingAnchor: tx.now, trialEnd: nil, periodStart: tx.now, periodEnd: tx.now, periodNumber: 0,
                    cancelAtPeriodEnd: false, canceledAt: nil, pendingPlanID: nil, pastDueSince: nil, trialReminderSent: true,
                    version: 1)
                try await SubscriptionRows.insertStarting(record, in: tx)
                _ = try await AdvanceSubscriptionStep(policy: policy)(requestID: "test", in: tx)
            }
            try await pool.database.tenant(tenant) { tx in
                try await tx.execute("update billing.profiles set balance = \(balance) where tenant_id = \(tx.tenantID)")
            }
            // when: a random instant into the period, the owner previews, then changes, at that instant
            clock.advance(by: Double(Int.random(in: 0...(27 * 86_400), using: &random)) + Double(Int.random(in: 0...999, using: &random)) / 1000)
            let owner = Principal(tenantID: tenant, userID: .generate(), credential: .session(.generate()), role: .owner,
                                  requestID: "test")
            let preview = try await PreviewPlanChangeUseCase(db: pool.database)(owner, planCode: high)
            let result = try await ChangePlanUseCase(db: pool.database, policy: policy)(owner, planCode: high, expectedVersion: nil,
                                                                                      idempotency: nil)
            // then: the saved invoice, read back, is the preview
            let context = "case \(index) of seed \(seed): \(currency.code) \(cheap) → \(dear), tax \(tax) bp, balance \(balance)"
            let previewed = try #require(preview.invoice, "\(context): no invoice previewed")
            let issued = try #require(result.invoice, "\(context): no invoice issued")
            let saved = try #require(try await pool.database.tenant(tenant) { tx in try await InvoiceRows.find(issued.id, in: tx) })
            #expect(saved.lines == previewed.lines, "\(context)")
            #expect(saved.subtotal == previewed.subtotal && saved.tax == previewed.tax && saved.total == previewed.total
                    && saved.amountDue == previewed.amountDue, "\(context)")
            // and the proration nets to at most the price difference over the whole period
            let net = try saved.subtotal.subtracting(Money(minorUnits: dear - cheap, currency: currency))
            #expect(!net.isPositive, "\(context): \(saved.subtotal) exceeds the period's difference")
        }
        }
    }

    struct CaseFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
