import Billing
import BillingAPI
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

/// Payments over HTTP against localstripe, a stateful fake Stripe server speaking Stripe's
/// API: Keel's own `StripeGateway` talks to it, cards are made with it, and its signed
/// webhooks come back to the server. localstripe ignores `Idempotency-Key` and lets refunds
/// exceed the charge, so every "once" checked here is Keel's own doing.
@Suite("API: payments — collection, dunning, webhooks (localstripe)", .serialized)
struct PaymentsAPITests {
    static let webhookSecret = "whsec_keel_tests_only"
    static let visa = "4242424242424242"
    /// Attaches, then every charge is declined (`card_declined`).
    static let declining = "4000000000000341"

    /// A live server and a Billing module (for the scheduler's pass) on a manual clock, both
    /// collecting through localstripe; the server's webhook URL registered with localstripe.
    /// The clock starts `startOffset` before the real time (webhook signatures are checked
    /// against the clock: a test that wants localstripe's own webhooks ends near real time).
    static func run(_ label: String, startOffset: TimeInterval = 0,
                    _ body: @escaping @Sendable (API, BillingModule, ManualClock, TestDatabase, LocalStripe) async throws -> Void) async throws {
        let stripe = try await LocalStripe.shared()
        let clock = ManualClock(SystemClock().now.addingTimeInterval(-startOffset))
        let db = try await TestDatabase.shared().scratch(label)
        let payments = BillingModule.Payments(gateway: StripeGateway(apiKey: LocalStripe.apiKey, base: stripe.baseURL, timeoutSeconds: 5),
                                              webhookSecret: webhookSecret)
        try await db.withPool(clock: clock) { pool in
            let billing = BillingModule(db: pool.database, platform: pool.platformDatabase(),
                                        policy: BillingPolicy(providerLeaseSeconds: 10), payments: payments,
                                        logger: TestDatabase.logger)
            try await LiveAPI.run(database: db, clock: clock, {
                $0.billingSchedulerSeconds = 0
                $0.sessionIdleSeconds = 400 * 86_400
                $0.sessionAbsoluteSeconds = 400 * 86_400
                $0.adminIdleSeconds = 400 * 86_400
                $0.adminAbsoluteSeconds = 400 * 86_400
                $0.stripeAPIKey = LocalStripe.apiKey
                $0.stripeAPIBase = stripe.baseURL
                $0.stripeWebhookSecret = webhookSecret
                $0.stripeTimeoutSeconds = 5
            }) { api, db in
                guard let port = api.client.port else { throw APIFailure("the live client has no port") }
                try await stripe.registerWebhook(id: label, url: "http://127.0.0.1:\(port)/v1/billing/webhooks/stripe",
                                                 secret: webhookSecret)
                try await AdminClient.$serverClock.withValue(clock) { try await body(api, billing, clock, db, stripe) }
            }
        }
    }

    @Test("trial → card → the first invoice and a renewal are each charged once, with a receipt")
    func trialCardRenewal() async throws {
        try await Self.run("payments_renewal") { api, billing, clock, db, stripe in
            // given: a new tenant that adds a card during its trial
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let set = try await api.setCard(Self.visa, for: tenant, stripe)
            #expect(set.status == .ok, "\(set.text)")
            #expect(set.json["card"]["last4"].string == "4242")
            #expect(set.json["collection_enabled"].bool == true)
            let read = try await api.call(.get, "/v1/billing/payment-method", token: tenant.token)
            #expect(read.json["card"]["brand"].string == "visa", "\(read.text)")

            // when: the trial ends and the scheduler runs (twice: the second finds nothing)
            clock.advance(by: 14 * 86_400 + 60)
            let report = try await billing.runDue(limit: 1000)
            #expect(report.trialsEnded == 1 && report.collected == 1, "\(report)")
            #expect(try await billing.runDue(limit: 1000).collected == 0)

            // then: the invoice is paid by one attempt, the provider holds one payment for it
            let first = try await api.onlyInvoice(tenant)
            #expect(first["status"].string == "paid", "\(first)")
            let invoiceID = try #require(first["id"].string)
            let attempts = try await api.call(.get, "/v1/billing/invoices/\(invoiceID)/payment-attempts", token: tenant.token)
            #expect(attempts.json["data"].array.count == 1, "\(attempts.text)")
            #expect(attempts.json["data"][0]["state"].string == "succeeded")
            #expect(attempts.json["data"][0]["trigger"].string == "automatic")
            #expect(attempts.json["data"][0]["provider_payment_id"].string?.hasPrefix("pi_") == true)
            #expect(try await stripe.succeeded(invoice: invoiceID).map(\.amount) == [2900])
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "active")
            try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "Receipt for invoice")

            // when: a month later the subscription renews
            clock.advance(by: 31 * 86_400)
            let renewal = try await billing.runDue(limit: 1000)
            #expect(renewal.renewals == 1 && renewal.collected == 1, "\(renewal)")
            // then: the renewal's invoice is charged once too
            let invoices = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
            #expect(invoices.count == 2)
            for invoice in invoices {
                #expect(invoice["status"].string == "paid")
                #expect(try await stripe.succeeded(invoice: invoice["id"].string ?? "").count == 1)
            }
        }
    }

    @Test("a declined card: past due, retried, blocked (402 but billing stays open), a new card pays and unblocks")
    func declineDunningBlockAndRecovery() async throws {
        try await Self.run("payments_dunning") { api, billing, clock, db, stripe in
            // given: a tenant whose card attaches but declines every charge
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            #expect(try await api.setCard(Self.declining, for: tenant, stripe).status == .ok)

            // when: the trial ends
            clock.advance(by: 14 * 86_400 + 60)
            #expect(try await billing.runDue(limit: 1000).paymentsFailed == 1)
            // then: past due, the invoice open, the failure recorded and emailed
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "past_due")
            let invoice = try await api.onlyInvoice(tenant)
            let invoiceID = try #require(invoice["id"].string)
            #expect(invoice["status"].string == "open")
            let failed = try await api.call(.get, "/v1/billing/invoices/\(invoiceID)/payment-attempts", token: tenant.token)
            #expect(failed.json["data"][0]["state"].string == "failed")
            #expect(failed.json["data"][0]["failure_code"].string == "card_declined", "\(failed.text)")
            let email = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "Payment failed for invoice")
            #expect(email.text.contains("payment method"), "\(email.text)")

            // when: the customer retries with the same card a day later
            clock.advance(by: 86_400)
            let retry = try await api.call(.post, "/v1/billing/invoices/\(invoiceID)/pay", token: tenant.token,
                                           headers: ["Idempotency-Key": UUID().uuidString])
            // then: declined again (402), a second attempt on record; the API still answers
            #expect(retry.status.code == 402, "\(retry.text)")
            #expect(retry.json["code"].string == "payment_declined")
            #expect(try await api.call(.get, "/v1/billing/invoices/\(invoiceID)/payment-attempts", token: tenant.token)
                .json["data"].array.count == 2)
            #expect(try await api.call(.get, "/v1/users", token: tenant.token).status == .ok)

            // when: the next retry falls due (two failures: seven days after the first) with no
            // new card — a hard decline is not tried again, so dunning ends early
            clock.advance(by: 6 * 86_400 + 60)
            #expect(try await billing.runDue(limit: 1000).blocked == 1)
            // then: blocked; everything but billing answers 402 subscription_blocked; data intact
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "blocked")
            let refused = try await api.waitForStatus(402, .get, "/v1/users", token: tenant.token)
            #expect(refused.json["code"].string == "subscription_blocked", "\(refused.text)")
            #expect(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).status == .ok)
            #expect(try await api.call(.get, "/v1/billing/payment-method", token: tenant.token).status == .ok)
            try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "subscription is blocked")

            // when: a good card arrives
            let set = try await api.setCard(Self.visa, for: tenant, stripe)
            #expect(set.status == .ok, "\(set.text)")
            // then: charged at once, paid, active, open again; the provider has one success
            #expect(try await api.onlyInvoice(tenant)["status"].string == "paid")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "active")
            _ = try await api.waitForStatus(200, .get, "/v1/users", token: tenant.token)
            #expect(try await stripe.succeeded(invoice: invoiceID).count == 1)
            try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "active again")
        }
    }

    @Test("a double-tapped pay: fifty at once with one key, fifty with fifty keys — one charge each")
    func doubleTappedPay() async throws {
        try await Self.run("payments_double_tap") { api, billing, clock, _, stripe in
            // given: two tenants past their trials on a good card, each upgraded now, so each
            // has an open proration invoice the collector has not reached yet
            let tenants = [try await api.signUp(), try await api.signUp()]
            for tenant in tenants {
                _ = try await api.waitForSubscription(token: tenant.token)
                #expect(try await api.setCard(Self.visa, for: tenant, stripe).status == .ok)
            }
            clock.advance(by: 14 * 86_400 + 60)
            #expect(try await billing.runDue(limit: 1000).collected == 2)
            clock.advance(by: 5 * 86_400)
            var invoiceIDs: [String] = []
            for tenant in tenants {
                let change = try await api.call(.post, "/v1/billing/subscription/change", json: #"{"plan":"pro"}"#, token: tenant.token,
                                           headers: ["If-Match": "*"])
                #expect(change.status == .ok, "\(change.text)")
                invoiceIDs.append(try #require(change.json["invoice"]["id"].string, "\(change.text)"))
            }

            for (index, tenant) in tenants.enumerated() {
                let oneKey = UUID().uuidString
                // when: fifty pays at once (the first tenant with one key, the second with fifty)
                let statuses = try await api.concurrentPays(50, path: "/v1/billing/invoices/\(invoiceIDs[index])/pay", token: tenant.token,
                                                            key: { index == 0 ? oneKey : UUID().uuidString })
                // then: one charge; the rest were refused or replayed, never charged
                #expect(statuses.allSatisfy { $0 == 200 || $0 == 409 }, "\(statuses)")
                #expect(statuses.contains(200))
                if index == 1 { #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)") }
                #expect(try await stripe.succeeded(invoice: invoiceIDs[index]).count == 1)
                let attempts = try await api.call(.get, "/v1/billing/invoices/\(invoiceIDs[index])/payment-attempts", token: tenant.token)
                #expect(attempts.json["data"].array.map { $0["state"].string } == ["succeeded"], "\(attempts.text)")
            }
            // and the collector, arriving later, has nothing left to charge
            #expect(try await billing.runDue(limit: 1000).collected == 0)
        }
    }

    @Test("webhooks: signed or refused, stored once, any order; a payment Keel never recorded settles its invoice")
    func webhooksInAnyOrder() async throws {
        // The clock ends near the real time, where localstripe's webhooks are signed.
        try await Self.run("payments_webhooks", startOffset: 14 * 86_400 + 3_600) { api, billing, clock, db, stripe in
            // given: one tenant that pays by card at its trial's end, one with no card
            let paying = try await api.signUp(), unpaid = try await api.signUp()
            for tenant in [paying, unpaid] { _ = try await api.waitForSubscription(token: tenant.token) }
            #expect(try await api.setCard(Self.visa, for: paying, stripe).status == .ok)
            clock.set(SystemClock().now)
            #expect(try await billing.runDue(limit: 1000).collected == 1)
            let paid = try await api.onlyInvoice(paying)
            let paymentID = try #require(try await stripe.succeeded(invoice: paid["id"].string ?? "").first?.id)

            // then: localstripe's own payment_intent.succeeded arrives, verified and stored once
            let stored = try await db.waitForProviderEvents(tenant: paying.id, atLeast: 1)
            let event = try #require(stored.first)

            // when: the same event is delivered three more times
            for _ in 0..<3 {
                #expect(try await api.deliver(event.payload, secret: Self.webhookSecret).status == .ok)
            }
            // then: still stored once
            #expect(try await db.providerEvents(tenant: paying.id).filter { $0.id == event.id }.count == 1)

            // when: a failure for the same payment arrives late, after its success
            let lateFailure = Self.event(type: "payment_intent.payment_failed", paymentID: paymentID, status: "requires_payment_method",
                                         metadata: ["keel_tenant_id": paying.id, "keel_invoice_id": paid["id"].string ?? "",
                                                    "keel_attempt": "1"], amount: 2900)
            #expect(try await api.deliver(lateFailure, secret: Self.webhookSecret).status == .ok)
            _ = try await db.waitForProviderEvents(tenant: paying.id, atLeast: 2)
            try await billing.settleWebhooks(db: db, tenant: paying.id)
            // then: nothing moves backwards: Keel asked the provider, which says succeeded
            #expect(try await api.onlyInvoice(paying)["status"].string == "paid")
            let attempts = try await api.call(.get, "/v1/billing/invoices/\(paid["id"].string ?? "")/payment-attempts", token: paying.token)
            #expect(attempts.json["data"].array.map { $0["state"].string } == ["succeeded"], "\(attempts.text)")

            // when: deliveries with a wrong secret, a stale timestamp, or no signature arrive
            #expect(try await api.deliver(lateFailure, secret: "whsec_wrong").status.code == 422)
            #expect(try await api.deliver(lateFailure, secret: Self.webhookSecret, at: Date().addingTimeInterval(-600)).status.code == 422)
            #expect(try await api.call(.post, "/v1/billing/webhooks/stripe", json: lateFailure).status.code == 422)

            // when: a payment of the unpaid tenant's open invoice succeeds at the provider
            // without Keel having recorded an attempt, and its webhook is the first Keel hears
            let open = try await api.onlyInvoice(unpaid)
            let openID = try #require(open["id"].string)
            #expect(open["status"].string == "open")
            let outside = try await stripe.chargeOutsideKeel(amount: 2900, metadata: [
                "keel_tenant_id": unpaid.id, "keel_invoice_id": openID, "keel_attempt": "7"])
            let succeeded = Self.event(type: "payment_intent.succeeded", paymentID: outside, status: "succeeded",
                                       metadata: ["keel_tenant_id": unpaid.id, "keel_invoice_id": openID, "keel_attempt": "7"],
                                       amount: 2900)
            #expect(try await api.deliver(succeeded, secret: Self.webhookSecret).status == .ok)
            _ = try await db.waitForProviderEvents(tenant: unpaid.id, atLeast: 1)
            try await billing.settleWebhooks(db: db, tenant: unpaid.id)
            // then: Keel records the provider's payment and the invoice is paid, once
            #expect(try await api.onlyInvoice(unpaid)["status"].string == "paid")
            let recorded = try await api.call(.get, "/v1/billing/invoices/\(openID)/payment-attempts", token: unpaid.token)
            #expect(recorded.json["data"].array.map { $0["trigger"].string } == ["provider"], "\(recorded.text)")
            #expect(try await api.call(.get, "/v1/billing/subscription", token: unpaid.token).json["status"].string == "active")
        }
    }

    @Test("an attempt left in flight by a crash: nothing else touches the invoice; after its lease it is settled, and the next charges once")
    func crashBeforeTheCharge() async throws {
        try await Self.run("payments_in_flight") { api, billing, clock, db, stripe in
            // given: an open invoice (the trial ended with no card) and an attempt at it that a
            // crashed instance wrote before it reached the provider (no payment id)
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            clock.advance(by: 14 * 86_400 + 60)
            #expect(try await billing.runDue(limit: 1000).trialsEnded == 1)
            let invoice = try await api.onlyInvoice(tenant)
            let invoiceID = try #require(invoice["id"].string)
            try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.execute("""
                    insert into billing.payment_attempts
                        (tenant_id, attempt_id, invoice_id, attempt_number, state, trigger, idempotency_key, currency, amount,
                         lease_until, created_at)
                    values (\(tx.tenantID), \(UUID()), \(UUID(uuidString: invoiceID)!), 1, 'sending', 'customer',
                            \("keel-\(invoiceID)-1"), 'USD', 2900, \(tx.now.addingTimeInterval(10)), \(tx.now))
                    """)
            }

            // when: staff try to mark it paid, and the tenant adds a card, while it is in flight
            let markPaid = try await admin.client.post("/admin/tenants/\(tenant.id)/billing/invoices/\(invoiceID)/mark-paid",
                                                       form: ["reason": "Bank transfer arrived"])
            #expect(markPaid.status == .unprocessableContent && markPaid.text.contains("with the provider now"), "\(markPaid.status)")
            #expect(try await api.setCard(Self.visa, for: tenant, stripe).status == .ok)
            // then: nothing was charged, the invoice is still open
            #expect(try await stripe.succeeded(invoice: invoiceID).isEmpty)
            #expect(try await api.onlyInvoice(tenant)["status"].string == "open")

            // when: the lease runs out and the scheduler passes
            clock.advance(by: 11)
            _ = try await billing.runDue(limit: 1000)
            // then: the attempt is settled as interrupted (it never reached the provider)...
            let settled = try await api.call(.get, "/v1/billing/invoices/\(invoiceID)/payment-attempts", token: tenant.token)
            #expect(settled.json["data"][0]["state"].string == "failed", "\(settled.text)")
            #expect(settled.json["data"][0]["failure_code"].string == "interrupted")
            // ...and, at no cost to dunning, the invoice is charged once after its own short wait
            clock.advance(by: 11)
            #expect(try await billing.runDue(limit: 1000).collected == 1)
            #expect(try await api.onlyInvoice(tenant)["status"].string == "paid")
            #expect(try await stripe.succeeded(invoice: invoiceID).count == 1)
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "active")
        }
    }

    @Test("staff refund from the console: partial then the rest, never more than paid, each with a credit note")
    func staffRefunds() async throws {
        try await Self.run("payments_refunds") { api, billing, clock, db, stripe in
            // given: a tenant whose first invoice (29.00 USD) was collected by card
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            #expect(try await api.setCard(Self.visa, for: tenant, stripe).status == .ok)
            // (staff sign up on the clock's day one: their setup links do not outlive a trial)
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let support = try await AdminClient.makeStaff(api, db, role: .support)
            clock.advance(by: 14 * 86_400 + 60)
            #expect(try await billing.runDue(limit: 1000).collected == 1)
            let invoiceID = try #require(try await api.onlyInvoice(tenant)["id"].string)
            let paymentID = try #require(try await stripe.succeeded(invoice: invoiceID).first?.id)
            let invoicePath = "/admin/tenants/\(tenant.id)/billing/invoices/\(invoiceID)"

            // then: the console's invoice page shows the attempt with the provider's id
            let page = try await admin.client.get(invoicePath)
            #expect(page.status == .ok && page.text.contains("Payment attempts") && page.text.contains(paymentID), "\(page.text.prefix(500))")

            // when: staff refund 10.00 with a reason
            let first = try await admin.client.post("\(invoicePath)/refund", form: ["amount": "10.00", "currency": "USD",
                                                                                    "reason": "Goodwill for the outage"])
            #expect(first.redirects(to: "\(invoicePath)?done=refund_sent"), "\(first.status) \(first.text.prefix(400))")
            // then: the provider holds one refund of 10.00
            #expect(try await stripe.refunds(paymentIntent: paymentID).map(\.amount) == [1000])

            // when: more than what is left is asked for, or nothing, or no reason
            let tooMuch = try await admin.client.post("\(invoicePath)/refund", form: ["amount": "25.00", "currency": "USD",
                                                                                      "reason": "Customer asked for all of it"])
            #expect(tooMuch.status == .unprocessableContent && tooMuch.text.contains("19.00 USD"), "\(tooMuch.status)")
            let zero = try await admin.client.post("\(invoicePath)/refund", form: ["amount": "0", "currency": "USD", "reason": "Zero"])
            #expect(zero.status == .unprocessableContent)
            let noReason = try await admin.client.post("\(invoicePath)/refund", form: ["amount": "1.00", "currency": "USD", "reason": ""])
            #expect(noReason.status == .unprocessableContent)
            // then: nothing more reached the provider (which would have accepted it)
            #expect(try await stripe.refunds(paymentIntent: paymentID).count == 1)

            // when: the rest is refunded
            let rest = try await admin.client.post("\(invoicePath)/refund", form: ["amount": "19.00", "currency": "USD",
                                                                                   "reason": "Closing the account"])
            #expect(rest.redirects(to: "\(invoicePath)?done=refund_sent"), "\(rest.status)")
            // then: refunded in full at the provider, two credit notes say where the money went
            #expect(try await stripe.refunds(paymentIntent: paymentID).map(\.amount).reduce(0, +) == 2900)
            let notes = try await api.call(.get, "/v1/billing/credit-notes", token: tenant.token).json["data"].array
            #expect(Set(notes.map { $0["refunded"]["amount"].int }) == [1000, 1900], "\(notes)")
            #expect(try await admin.client.post("\(invoicePath)/refund", form: ["amount": "0.01", "currency": "USD",
                                                                                "reason": "One cent more"]).status == .unprocessableContent)

            // and support staff may look but not refund
            #expect(try await support.client.get(invoicePath).status == .ok)
            #expect(try await support.client.post("\(invoicePath)/refund", form: ["amount": "1.00", "currency": "USD",
                                                                                  "reason": "Trying my luck"]).status == .forbidden)
        }
    }

    @Test("the provider down: 503 with Retry-After, nothing charged, nothing lost; the invoice is tried again")
    func providerDown() async throws {
        // A port nobody listens on (the discard port) stands in for a provider that is down.
        try await LiveAPI.run(database: try await TestDatabase.shared().scratch("payments_down"), {
            $0.stripeAPIKey = LocalStripe.apiKey
            $0.stripeAPIBase = "http://127.0.0.1:9"
            $0.stripeTimeoutSeconds = 2
        }) { api, _ in
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let set = try await api.call(.put, "/v1/billing/payment-method", json: #"{"payment_method":"pm_card_visa"}"#, token: tenant.token)
            #expect(set.status == .serviceUnavailable && set.json["code"].string == "payment_provider_unavailable", "\(set.text)")
            let method = try await api.call(.get, "/v1/billing/payment-method", token: tenant.token)
            #expect(method.json["collection_enabled"].bool == true && method.json["card"].isNull, "\(method.text)")
        }
    }

    @Test("without a provider configured, the payment operations answer a clear problem")
    func paymentsOff() async throws {
        try await LiveAPI.run { api, _ in
            let tenant = try await api.signUp()
            let method = try await api.call(.get, "/v1/billing/payment-method", token: tenant.token)
            #expect(method.status == .ok && method.json["collection_enabled"].bool == false, "\(method.text)")
            let set = try await api.call(.put, "/v1/billing/payment-method", json: #"{"payment_method":"pm_card_visa"}"#, token: tenant.token)
            #expect(set.status == .conflict && set.json["code"].string == "payments_not_configured", "\(set.text)")
            let hook = try await api.call(.post, "/v1/billing/webhooks/stripe", json: "{}", headers: ["Stripe-Signature": "t=1,v1=00"])
            #expect(hook.status == .conflict, "\(hook.text)")
        }
    }

    /// A provider event as Stripe sends it, about one payment.
    static func event(type: String, paymentID: String, status: String, metadata: [String: String], amount: Int) -> String {
        let object: [String: Any] = ["id": paymentID, "object": "payment_intent", "status": status, "amount": amount,
                                     "currency": "usd", "metadata": metadata]
        let event: [String: Any] = ["id": "evt_keeltest_\(UUID().uuidString.prefix(12))", "object": "event", "type": type,
                                    "created": Int(Date().timeIntervalSince1970), "data": ["object": object]]
        let data = try! JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

extension API {
    /// Makes a card with the provider (as a browser would with Stripe.js) and hands its id to Keel.
    func setCard(_ number: String, for tenant: Tenant, _ stripe: LocalStripe) async throws -> APIResponse {
        let method = try await stripe.createPaymentMethod(card: number)
        return try await call(.put, "/v1/billing/payment-method", json: #"{"payment_method":"\#(method)"}"#, token: tenant.token)
    }

    /// The tenant's one invoice.
    func onlyInvoice(_ tenant: Tenant) async throws -> JSON {
        let invoices = try await call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
        guard invoices.count == 1, let invoice = invoices.first else { throw APIFailure("expected one invoice, found \(invoices.count)") }
        return invoice
    }

    /// Polls until the call answers `status` (events reach Accounts through the outbox).
    func waitForStatus(_ status: Int, _ method: HTTPRequest.Method, _ path: String, token: String) async throws -> APIResponse {
        for _ in 0..<200 {
            let response = try await call(method, path, token: token)
            if response.status.code == status { return response }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw APIFailure("\(path) did not answer \(status) within ten seconds")
    }

    /// Posts a provider event signed as Stripe signs it (`t=…,v1=HMAC-SHA256(secret, "t.body")`).
    func deliver(_ payload: String, secret: String, at time: Date = Date()) async throws -> APIResponse {
        let timestamp = Int(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(payload)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        return try await call(.post, "/v1/billing/webhooks/stripe", json: payload, headers: ["Stripe-Signature": "t=\(timestamp),v1=\(hex)"])
    }

    /// `count` POSTs of `path` (a pay) at once, each on its own connection; their statuses.
    func concurrentPays(_ count: Int, path: String, token: String, headers: [String: String] = [:],
                        key: @escaping @Sendable () -> String) async throws -> [Int] {
        guard let port = client.port else { throw APIFailure("the live client has no port") }
        let extra = headers.map { ($0.key, $0.value) }
        return try await LoopbackHTTP.sendAtOnce(count, "POST", "http://127.0.0.1:\(port)\(path)") { _ in
            [("Authorization", "Bearer \(token)"), ("Idempotency-Key", key())] + extra
        }.map(\.status)
    }
}

extension LocalStripe {
    /// The provider's succeeded payments for one of Keel's invoices.
    func succeeded(invoice id: String) async throws -> [PaymentIntent] {
        try await paymentIntents().filter { $0.metadata["keel_invoice_id"] == id && $0.status == "succeeded" }
    }

    /// A payment made at the provider directly (not through Keel), tagged as if for a Keel invoice.
    func chargeOutsideKeel(amount: Int, metadata: [String: String]) async throws -> String {
        let customer = try await json("POST", "/v1/customers", form: [("name", "outside")])
        let customerID = try Self.field("id", customer.body)
        let method = try await createPaymentMethod(card: PaymentsAPITests.visa)
        _ = try await json("POST", "/v1/payment_methods/\(method)/attach", form: [("customer", customerID)])
        var form = [("amount", String(amount)), ("currency", "usd"), ("customer", customerID), ("payment_method", method),
                    ("confirm", "true")]
        for (key, value) in metadata { form.append(("metadata[\(key)]", value)) }
        let intent = try await json("POST", "/v1/payment_intents", form: form)
        return try Self.field("id", intent.body)
    }

    private static func field(_ name: String, _ body: Data) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any], let value = object[name] as? String else {
            throw APIFailure("no \(name) in \(String(decoding: body, as: UTF8.self))")
        }
        return value
    }
}

extension TestDatabase {
    struct StoredEvent { let id: String; let payload: String }

    func providerEvents(tenant: String) async throws -> [StoredEvent] {
        try await platform.platform("test: provider events") { tx in
            try await tx.query("""
                select event_id, payload::text as payload from billing.provider_events
                 where tenant_id = \(UUID(uuidString: tenant)!) order by received_at
                """).map { StoredEvent(id: try $0.decode("event_id"), payload: try $0.decode("payload")) }
        }
    }

    /// Waits (up to fifteen seconds) for the tenant's stored provider events.
    func waitForProviderEvents(tenant: String, atLeast count: Int) async throws -> [StoredEvent] {
        for _ in 0..<150 {
            let events = try await providerEvents(tenant: tenant)
            if events.count >= count { return events }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw APIFailure("fewer than \(count) provider events stored for \(tenant)")
    }
}

extension BillingModule {
    /// Runs the scheduler's pass until the webhooks' look-ups are done: they reach Billing
    /// through the outbox, a moment after the delivery was stored.
    func settleWebhooks(db: TestDatabase, tenant: String) async throws {
        for _ in 0..<100 {
            try await runDue(limit: 1000)
            let pending = try await db.platform.platform("test: unsettled") { tx in
                try await tx.query("""
                    select count(*)::int as n from billing.payment_attempts
                     where tenant_id = \(UUID(uuidString: tenant)!) and (check_requested_at is not null or state = 'sending')
                    """)[0].decode("n", as: Int.self)
            }
            let delivered = try await db.platform.platform("test: outbox") { tx in
                try await tx.query("""
                    select count(*)::int as n from platform.outbox
                     where tenant_id = \(UUID(uuidString: tenant)!) and event_type = 'billing.provider_payment_reported.v1'
                       and status = 'pending'
                    """)[0].decode("n", as: Int.self)
            }
            if pending == 0 && delivered == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw APIFailure("the provider's webhooks were not settled within ten seconds")
    }
}
