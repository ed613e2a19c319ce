import Billing
import BillingAPI
import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

extension API {
    /// The subscription the signup saga makes (Billing reacts to the sign-up through the
    /// outbox, a moment after the answer), polled for up to ten seconds.
    func waitForSubscription(token: String) async throws -> APIResponse {
        for _ in 0..<200 {
            let response = try await call(.get, "/v1/billing/subscription", token: token)
            if response.status == .ok { return response }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw APIFailure("no subscription appeared within ten seconds of the sign-up")
    }
}

/// Billing over HTTP, with the server's clock in the test's hands: trials end and periods renew
/// because the test moves a `ManualClock` and runs the scheduler's pass, never by sleeping.
@Suite("API: billing — trial, plan changes, invoices", .serialized)
struct BillingAPITests {
    /// A live server on a manual clock, its scheduler off (the test runs the pass), sessions
    /// (tenants' and staff's) that outlive the months the test moves through; and a Billing
    /// module on the same database and clock, for the pass. A database of the test's own: a
    /// pass months ahead would otherwise advance every other test's subscriptions too.
    static func run(_ label: String = "billing",
                    _ body: @escaping @Sendable (API, BillingModule, ManualClock, TestDatabase) async throws -> Void) async throws {
        let clock = ManualClock(SystemClock().now)
        let db = try await TestDatabase.shared().scratch(label)
        try await db.withPool(clock: clock) { pool in
            let billing = BillingModule(db: pool.database, platform: pool.platformDatabase(), logger: TestDatabase.logger)
            try await LiveAPI.run(database: db, clock: clock, {
                $0.billingSchedulerSeconds = 0
                $0.sessionIdleSeconds = 400 * 86_400
                $0.sessionAbsoluteSeconds = 400 * 86_400
                $0.adminIdleSeconds = 400 * 86_400
                $0.adminAbsoluteSeconds = 400 * 86_400
            }) { api, db in
                // Staff TOTP codes follow this server's clock, not the wall's (AdminClient.serverClock).
                try await AdminClient.$serverClock.withValue(clock) { try await body(api, billing, clock, db) }
            }
        }
    }

    @Test("sign-up starts a trial on the default plan; the trial's end issues the first numbered invoice")
    func trialThenFirstInvoice() async throws {
        try await Self.run { api, billing, clock, db in
            // given: a new tenant
            let tenant = try await api.signUp()
            let started = clock.now
            // when: the saga has run
            let subscription = try await api.waitForSubscription(token: tenant.token)
            // then: a 14-day trial on Starter, nothing invoiced
            #expect(subscription.json["status"].string == "trialing")
            #expect(subscription.json["plan"]["code"].string == "starter")
            #expect(subscription.json["currency"].string == "USD")
            let trialEnd = try #require(subscription.json["trial_end"].string.flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(trialEnd.timeIntervalSince(started) - 14 * 86_400) < 2)
            #expect(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.isEmpty)

            // when: eleven days pass (the reminder goes out), then three more and the scheduler runs
            clock.advance(by: 11 * 86_400 + 1)
            #expect(try await billing.runDue(limit: 1000).trialReminders == 1)
            clock.advance(by: 3 * 86_400)
            let report = try await billing.runDue(limit: 1000)
            // then: the trial ended without a payment method (past due, the documented rule) and
            // its first period is invoiced once, with a number, at the plan's price
            #expect(report.trialsEnded >= 1)
            let after = try await api.call(.get, "/v1/billing/subscription", token: tenant.token)
            #expect(after.json["status"].string == "past_due", "\(after.text)")
            let invoices = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
            #expect(invoices.count == 1)
            let invoice = try #require(invoices.first)
            #expect(invoice["number"].string?.hasPrefix("KEEL-") == true, "\(invoice)")
            #expect(invoice["status"].string == "open")
            #expect(invoice["billing_reason"].string == "subscription_cycle")
            #expect(invoice["total"]["amount"].int == 2900 && invoice["total"]["currency"].string == "USD")
            #expect(invoice["lines"][0]["kind"].string == "subscription")
            // and running the pass again issues nothing more
            _ = try await billing.runDue(limit: 1000)
            #expect(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.count == 1)
            // and the invoice is a PDF, and the owner (the billing contact) is emailed about it
            let pdf = try await api.call(.get, "/v1/billing/invoices/\(invoice["id"].string ?? "")/pdf", token: tenant.token)
            #expect(pdf.status == .ok && pdf["Content-Type"] == "application/pdf" && pdf.text.hasPrefix("%PDF-"), "\(pdf.status)")
            let number = invoice["number"].string ?? "?"
            let email = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "Invoice \(number)")
            #expect(email.text.contains("29.00 USD"), "\(email.text)")
            _ = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "trial ends soon")
        }
    }

    @Test("an upgrade mid-period is prorated to the second, and the preview is the invoice that follows")
    func upgradeProratedPreviewEqualsInvoice() async throws {
        try await Self.run { api, billing, clock, _ in
            // given: a tenant in its first paid period on Starter, ten days in
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            clock.advance(by: 14 * 86_400 + 1)
            _ = try await billing.runDue(limit: 1000)
            clock.advance(by: 10 * 86_400 + 3_600 + 17)
            // when: the owner previews an upgrade to Pro, then makes it at the same instant
            let preview = try await api.call(.get, "/v1/billing/subscription/preview?plan=pro", token: tenant.token)
            let etag = try #require(try await api.call(.get, "/v1/billing/subscription", token: tenant.token)["ETag"])
            let changed = try await api.call(.post, "/v1/billing/subscription/change", json: #"{"plan":"pro"}"#,
                                             token: tenant.token, headers: ["If-Match": etag, "Idempotency-Key": "up-\(tenant.slug)"])
            // then: it applied now, with a credit for Starter's unused time and a charge for Pro's
            #expect(preview.status == .ok, "\(preview.text)")
            #expect(preview.json["timing"].string == "immediately")
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(changed.json["subscription"]["plan"]["code"].string == "pro")
            let lines = changed.json["invoice"]["lines"].array
            #expect(lines.map { $0["kind"].string } == ["proration", "proration"])
            #expect((lines.first?["amount"]["amount"].int ?? 0) < 0 && (lines.last?["amount"]["amount"].int ?? 0) > 0)
            // and the preview's lines and totals are exactly the invoice's
            #expect(preview.json["invoice"]["lines"].description == changed.json["invoice"]["lines"].description)
            for field in ["subtotal", "tax", "total", "amount_due"] {
                #expect(preview.json["invoice"][field].description == changed.json["invoice"][field].description, "\(field)")
            }
            // and a repeat with the same key replays the answer, issuing nothing new
            let replay = try await api.call(.post, "/v1/billing/subscription/change", json: #"{"plan":"pro"}"#,
                                            token: tenant.token, headers: ["If-Match": etag, "Idempotency-Key": "up-\(tenant.slug)"])
            #expect(replay["Idempotent-Replayed"] == "true", "\(replay.status) \(replay.text)")
            #expect(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.count == 2)
        }
    }

    @Test("a downgrade waits for the period's end; the renewal applies it and bills the new price")
    func downgradeAtPeriodEnd() async throws {
        try await Self.run { api, billing, clock, db in
            // given: a tenant with a payment method on file (so its trial ends active), on Pro
            // (changed during the trial: free), in its first paid period
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.execute("update billing.profiles set payment_method = 'pm_card_visa' where tenant_id = \(tx.tenantID)")
            }
            let toPro = try await api.call(.post, "/v1/billing/subscription/change", json: #"{"plan":"pro"}"#,
                                           token: tenant.token, headers: ["If-Match": "*"])
            #expect(toPro.status == .ok && toPro.json["invoice"].isNull, "\(toPro.text)")
            clock.advance(by: 14 * 86_400 + 1)
            _ = try await billing.runDue(limit: 1000)
            // when: the owner downgrades to Starter
            let preview = try await api.call(.get, "/v1/billing/subscription/preview?plan=starter", token: tenant.token)
            let down = try await api.call(.post, "/v1/billing/subscription/change", json: #"{"plan":"starter"}"#,
                                          token: tenant.token, headers: ["If-Match": "*"])
            // then: nothing changes until the period's end
            #expect(preview.json["timing"].string == "at_period_end" && preview.json["invoice"].isNull, "\(preview.text)")
            #expect(down.json["subscription"]["plan"]["code"].string == "pro")
            #expect(down.json["subscription"]["pending_plan"]["code"].string == "starter", "\(down.text)")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "active")
            // when: the period ends (the first invoice unpaid: collection is the next issue)
            let periodEnd = try #require(down.json["subscription"]["current_period_end"].string.flatMap { try? Date($0, strategy: .iso8601) })
            clock.set(periodEnd.addingTimeInterval(1))
            let report = try await billing.runDue(limit: 1000)
            // then: the renewal is on Starter, billed at Starter's price, and the unpaid first
            // invoice made the subscription past due
            #expect(report.renewals == 1)
            let renewed = try await api.call(.get, "/v1/billing/subscription", token: tenant.token)
            #expect(renewed.json["plan"]["code"].string == "starter")
            #expect(renewed.json["pending_plan"].isNull)
            #expect(renewed.json["status"].string == "past_due")
            let invoices = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
            #expect(invoices.map { $0["total"]["amount"].int } == [2900, 9900])
        }
    }

    @Test("cancel at period end is resumable; a stale If-Match is refused; another tenant's invoice is not found")
    func cancelResumeAndGuards() async throws {
        try await Self.run { api, _, _, _ in
            let tenant = try await api.signUp()
            let other = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            _ = try await api.waitForSubscription(token: other.token)
            // a stale version
            let stale = try await api.call(.post, "/v1/billing/subscription/cancel", json: #"{"at_period_end":true}"#,
                                           token: tenant.token, headers: ["If-Match": "\"99\""])
            #expect(stale.status == .preconditionFailed, "\(stale.text)")
            // scheduled, then taken back
            let scheduled = try await api.call(.post, "/v1/billing/subscription/cancel", json: #"{"at_period_end":true}"#,
                                               token: tenant.token, headers: ["If-Match": "*"])
            #expect(scheduled.json["cancel_at_period_end"].bool == true && scheduled.json["status"].string == "trialing")
            let resumed = try await api.call(.post, "/v1/billing/subscription/resume", token: tenant.token, headers: ["If-Match": "*"])
            #expect(resumed.json["cancel_at_period_end"].bool == false, "\(resumed.text)")
            // canceled now: the subscription is gone from the live view
            let now = try await api.call(.post, "/v1/billing/subscription/cancel", json: #"{"at_period_end":false}"#,
                                         token: tenant.token, headers: ["If-Match": "*"])
            #expect(now.json["status"].string == "canceled", "\(now.text)")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).status == .notFound)
            // a made-up invoice id is a 404
            let missing = try await api.call(.get, "/v1/billing/invoices/\(UUID().uuidString.lowercased())", token: other.token)
            #expect(missing.status == .notFound && missing.code == "invoice_not_found")
        }
    }

    @Test("the billing profile: edits show on later invoices; bad country and currency are 422 with the field")
    func profile() async throws {
        try await Self.run { api, _, _, _ in
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let profile = try await api.call(.get, "/v1/billing/profile", token: tenant.token)
            #expect(profile.json["legal_name"].string == "Tenant \(tenant.slug)" && profile.json["tax_rate_bp"].int == 0)
            let bad = try await api.call(.patch, "/v1/billing/profile", json: #"{"country":"D1","currency":"XXQ"}"#,
                                         token: tenant.token, headers: ["If-Match": "*"])
            #expect(bad.status.code == 400 || bad.status.code == 422, "\(bad.text)")
            let edited = try await api.call(.patch, "/v1/billing/profile",
                                            json: #"{"legal_name":"Ünïcode GmbH","country":"de","tax_id":"DE123","currency":"EUR"}"#,
                                            token: tenant.token, headers: ["If-Match": profile["ETag"] ?? "*"])
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(edited.json["country"].string == "DE" && edited.json["currency"].string == "EUR")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["currency"].string == "EUR")
        }
    }

    @Test("a coupon discounts the invoices it covers: 25 % once; a tenant uses a code once; a capped code runs out")
    func coupons() async throws {
        try await Self.run { api, billing, clock, _ in
            // given: an operator's coupon, 25 % off once, for at most two tenants
            let code = "LAUNCH\(UInt16.random(in: 0...UInt16.max))"
            _ = try await billing.createCoupon(nil, NewCoupon(code: code, name: "Launch offer", percentOffBasisPoints: 2500,
                                                               duration: .once, maxRedemptions: 2))
            let tenant = try await api.signUp()
            let second = try await api.signUp()
            let third = try await api.signUp()
            for token in [tenant.token, second.token, third.token] { _ = try await api.waitForSubscription(token: token) }
            // when: the owner redeems it (any case), then tries again
            let redeemed = try await api.call(.post, "/v1/billing/subscription/coupon", json: #"{"code":"\#(code.lowercased())"}"#,
                                              token: tenant.token)
            let again = try await api.call(.post, "/v1/billing/subscription/coupon", json: #"{"code":"\#(code)"}"#, token: tenant.token)
            // then: the subscription carries it once
            #expect(redeemed.status == .ok && redeemed.json["coupon"]["code"].string == code, "\(redeemed.text)")
            #expect(again.status == .conflict && again.code == "coupon_not_redeemable", "\(again.text)")
            // and the cap: the second tenant gets it, the third does not
            #expect(try await api.call(.post, "/v1/billing/subscription/coupon", json: #"{"code":"\#(code)"}"#,
                                       token: second.token).status == .ok)
            let capped = try await api.call(.post, "/v1/billing/subscription/coupon", json: #"{"code":"\#(code)"}"#, token: third.token)
            #expect(capped.status == .conflict && capped.text.contains("fully redeemed"), "\(capped.text)")
            #expect(try await api.call(.post, "/v1/billing/subscription/coupon", json: #"{"code":"NOPE-NOPE"}"#,
                                       token: third.token).status == .notFound)
            // when: the trial ends, and one more period
            clock.advance(by: 14 * 86_400 + 1)
            _ = try await billing.runDue(limit: 1000)
            let first = try #require(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.first)
            // then: the first invoice has a discount line of 25 % of 29.00 (7.25), and the coupon is used up
            #expect(first["lines"].array.map { $0["kind"].string } == ["subscription", "discount"], "\(first)")
            #expect(first["lines"][1]["amount"]["amount"].int == -725 && first["total"]["amount"].int == 2175, "\(first)")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["coupon"].isNull)
        }
    }

    @Test("a price change is a new version: a subscriber keeps theirs, a newcomer gets the new one; a code can be retired")
    func planVersions() async throws {
        try await Self.run { api, billing, clock, _ in
            // given: a subscriber on Pro v1 (99.00)
            let early = try await api.signUp()
            _ = try await api.waitForSubscription(token: early.token)
            #expect(try await api.call(.post, "/v1/billing/subscription/change", json: #"{"plan":"pro"}"#, token: early.token,
                                       headers: ["If-Match": "*"]).status == .ok)
            let v1 = try await api.call(.get, "/v1/billing/subscription", token: early.token).json["plan"]["version"].int
            // when: staff add Pro v2 at 119.00, and a newcomer moves to Pro
            let v2 = try await billing.createPlanVersion(nil, NewPlanVersion(code: "pro", name: "Pro", interval: .month, trialDays: 14,
                                                                              seats: 25, prices: [Money(minorUnits: 11_900, currency: .usd)]))
            let late = try await api.signUp()
            _ = try await api.waitForSubscription(token: late.token)
            let moved = try await api.call(.post, "/v1/billing/subscription/change", json: #"{"plan":"pro"}"#, token: late.token,
                                           headers: ["If-Match": "*"])
            // then: the newcomer is on v2, the early subscriber still on v1, and each is billed its own price
            #expect(moved.json["subscription"]["plan"]["version"].int == v2.version, "\(moved.text)")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: early.token).json["plan"]["version"].int == v1)
            clock.advance(by: 14 * 86_400 + 1)
            _ = try await billing.runDue(limit: 1000)
            let earlyTotal = try await api.call(.get, "/v1/billing/invoices", token: early.token).json["data"][0]["total"]["amount"].int
            let lateTotal = try await api.call(.get, "/v1/billing/invoices", token: late.token).json["data"][0]["total"]["amount"].int
            #expect(earlyTotal == 9900 && lateTotal == 11_900, "\(String(describing: earlyTotal)) \(String(describing: lateTotal))")
            // and the price list shows v2; the default cannot be retired; Pro can
            let listed = try await api.call(.get, "/v1/billing/plans", token: late.token).json["data"].array
            #expect(listed.first { $0["code"].string == "pro" }?["version"].int == v2.version)
            await #expect(throws: AppError.self) { _ = try await billing.retirePlan(nil, code: "starter") }
            _ = try await billing.retirePlan(nil, code: "pro")
            let gone = try await api.call(.get, "/v1/billing/subscription/preview?plan=pro", token: late.token)
            #expect(gone.status == .notFound || gone.status == .conflict, "\(gone.text)")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: late.token).json["plan"]["code"].string == "pro")
        }
    }

    @Test("an invoice with nothing owed (a 100 % coupon) is paid at issue, and the trial ends active, not past due")
    func nothingOwed() async throws {
        try await Self.run { api, billing, clock, _ in
            let code = "FREE\(UInt16.random(in: 0...UInt16.max))"
            _ = try await billing.createCoupon(nil, NewCoupon(code: code, name: "Friends", percentOffBasisPoints: 10_000,
                                                               duration: .forever))
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            #expect(try await api.call(.post, "/v1/billing/subscription/coupon", json: #"{"code":"\#(code)"}"#,
                                       token: tenant.token).status == .ok)
            clock.advance(by: 14 * 86_400 + 1)
            _ = try await billing.runDue(limit: 1000)
            let invoice = try #require(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.first)
            #expect(invoice["total"]["amount"].int == 0 && invoice["status"].string == "paid", "\(invoice)")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "active")
        }
    }
}
