import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Testing

/// Orders over HTTP, first slice: the product catalog, drafts (create, read, list, replace
/// lines at a version), the timeline, and who may do what.
@Suite("API: orders — catalog and drafts")
struct OrdersAPITests {
    @Test("the catalog lists products with a price per currency")
    func catalog() async throws {
        try await LiveAPI.run { api, _ in
            let tenant = try await api.signUp()
            let products = try await api.call(.get, "/v1/products", token: tenant.token)
            #expect(products.status == .ok, "\(products.text)")
            let seats = try #require(products.json["data"].array.first { $0["code"].string == "extra-seats" })
            #expect(seats["fulfilment"].string == "automatic")
            #expect(seats["prices"].array.contains { $0["currency"].string == "USD" && $0["amount"].int == 2500 })
            #expect(try await api.call(.get, "/v1/products").status == .unauthorized)
        }
    }

    @Test("a draft is priced from the catalog, read back, listed, and its lines replaced at a version")
    func drafts() async throws {
        try await LiveAPI.run { api, _ in
            // given: a tenant
            let tenant = try await api.signUp()
            // when: it starts a draft of two lines, with an Idempotency-Key, twice
            let key = UUID().uuidString
            let body = #"{"currency":"USD","lines":[{"product":"extra-seats","quantity":2},{"product":"onboarding","quantity":1}]}"#
            let created = try await api.call(.post, "/v1/orders", json: body, token: tenant.token, headers: ["Idempotency-Key": key])
            let again = try await api.call(.post, "/v1/orders", json: body, token: tenant.token, headers: ["Idempotency-Key": key])
            // then: one draft, 2 × 25.00 + 500.00 = 550.00 USD, the retry replayed
            #expect(created.status == .created, "\(created.text)")
            #expect(again.status == .created && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(again.json["id"].string == created.json["id"].string)
            #expect(created.json["status"].string == "draft" && created.json["payment_status"].string == "unpaid")
            #expect(created.json["total"]["amount"].int == 55_000 && created.json["total"]["currency"].string == "USD")
            #expect(created.json["lines"][0]["amount"]["amount"].int == 5_000)
            let id = try #require(created.json["id"].string)
            let read = try await api.call(.get, "/v1/orders/\(id)", token: tenant.token)
            #expect(read.status == .ok && read.headers[.eTag] == "\"1\"", "\(read.text)")
            #expect(try await api.call(.get, "/v1/orders?status=draft", token: tenant.token).json["data"].array.count == 1)
            #expect(try await api.call(.get, "/v1/orders?status=placed", token: tenant.token).json["data"].array.isEmpty)
            // a created range: this century finds it, the next does not, a backwards one is 422
            let century = "created_from=2000-01-01T00:00:00Z&created_before=2100-01-01T00:00:00Z"
            #expect(try await api.call(.get, "/v1/orders?\(century)", token: tenant.token).json["data"].array.count == 1)
            #expect(try await api.call(.get, "/v1/orders?created_from=2100-01-01T00:00:00Z", token: tenant.token).json["data"].array.isEmpty)
            // any RFC 3339 time is understood, fractional seconds too (the contract run sent one)
            let fractional = try await api.call(.get, "/v1/orders?created_before=0001-01-01T17%3A02%3A27.037Z", token: tenant.token)
            #expect(fractional.status == .ok && fractional.json["data"].array.isEmpty, "\(fractional.text)")
            let backwards = try await api.call(.get, "/v1/orders?created_from=2100-01-01T00:00:00Z&created_before=2000-01-01T00:00:00Z",
                                               token: tenant.token)
            #expect(backwards.status == .unprocessableContent && backwards.text.contains("created_before"), "\(backwards.text)")

            // when: the lines are replaced at version 1, then again at the stale version 1
            let lines = #"{"lines":[{"product":"extra-seats","quantity":4}]}"#
            let replaced = try await api.call(.put, "/v1/orders/\(id)/lines", json: lines, token: tenant.token,
                                              headers: ["If-Match": "\"1\""])
            let stale = try await api.call(.put, "/v1/orders/\(id)/lines", json: lines, token: tenant.token,
                                           headers: ["If-Match": "\"1\""])
            // then: the first applies (100.00 USD, version 2); the second is refused, nothing lost
            #expect(replaced.status == .ok && replaced.json["total"]["amount"].int == 10_000 && replaced.json["version"].int == 2,
                    "\(replaced.text)")
            #expect(stale.status == .preconditionFailed && stale.json["current_version"].int == 2, "\(stale.text)")
            #expect(try await api.call(.put, "/v1/orders/\(id)/lines", json: lines, token: tenant.token).status.code == 428)

            // and the timeline says who did what, in order
            let timeline = try await api.call(.get, "/v1/orders/\(id)/timeline", token: tenant.token)
            #expect(timeline.json["data"].array.map { $0["kind"].string } == ["created", "lines_changed"], "\(timeline.text)")
            #expect(timeline.json["data"][1]["actor"].string == "tenant")
            #expect(timeline.json["data"][1]["detail"]["total"].string == "100.00 USD")

            // and a list of several orders gives each its own lines, in line order (one row per
            // line, grouped back into orders)
            let three = #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1},{"product":"extra-seats","quantity":3},{"product":"onboarding","quantity":2}]}"#
            let second = try await api.call(.post, "/v1/orders", json: three, token: tenant.token, headers: ["Idempotency-Key": UUID().uuidString])
            #expect(second.status == .created, "\(second.text)")
            let listed = try await api.call(.get, "/v1/orders", token: tenant.token).json["data"].array
            #expect(listed.map { $0["id"].string } == [second.json["id"].string, id])
            #expect(listed.map { order in order["lines"].array.map { "\($0["number"].int ?? 0):\($0["product"].string ?? "")×\($0["quantity"].int ?? 0)" } }
                    == [["1:onboarding×1", "2:extra-seats×3", "3:onboarding×2"], ["1:extra-seats×4"]])
            #expect(listed.first?["total"]["amount"].int == 50_000 + 7_500 + 100_000)
        }
    }

    @Test("bad lines are refused field by field; another tenant's order is not found")
    func refusals() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp(), other = try await api.signUp()
            let bad = try await api.call(.post, "/v1/orders", json: """
                {"currency":"USD","lines":[{"product":"no-such-thing","quantity":1},{"product":"onboarding","quantity":1000}]}
                """, token: tenant.token)
            #expect(bad.status == .unprocessableContent, "\(bad.text)")
            #expect(bad.json["errors"].array.map { $0["field"].string } == ["lines[0].product"], "\(bad.text)")
            let currency = try await api.call(.post, "/v1/orders", json: #"{"currency":"XXX","lines":[{"product":"onboarding","quantity":1}]}"#,
                                              token: tenant.token)
            #expect(currency.status == .unprocessableContent, "\(currency.text)")
            let made = try await api.call(.post, "/v1/orders", json: #"{"currency":"EUR","lines":[{"product":"onboarding","quantity":1}]}"#,
                                          token: tenant.token)
            let id = try #require(made.json["id"].string)
            for path in ["/v1/orders/\(id)", "/v1/orders/\(id)/timeline"] {
                #expect(try await api.call(.get, path, token: other.token).status == .notFound, "\(path)")
            }
            #expect(try await api.call(.put, "/v1/orders/\(id)/lines", json: #"{"lines":[{"product":"onboarding","quantity":2}]}"#,
                                       token: other.token, headers: ["If-Match": "*"]).status == .notFound)
            // a member reads orders but does not make them
            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            #expect(try await api.call(.get, "/v1/orders/\(id)", token: member.token).status == .ok)
            #expect(try await api.call(.post, "/v1/orders", json: #"{"currency":"EUR","lines":[{"product":"onboarding","quantity":1}]}"#,
                                       token: member.token).status == .forbidden)
        }
    }
}

/// Orders placed and paid through Billing, against localstripe: Orders asks Billing for a
/// one-off invoice and its charge, and hears Billing's events; it never reads Billing's tables.
@Suite("API: orders — placed and paid through Billing (localstripe)", .serialized)
struct OrdersPaymentsAPITests {
    static let draft = #"{"currency":"USD","lines":[{"product":"extra-seats","quantity":2},{"product":"onboarding","quantity":1}]}"#

    @Test("declined card → payable again, one invoice → a new card pays it once; automatic products delivered")
    func declinedThenPaid() async throws {
        try await PaymentsAPITests.run("orders_paid") { api, _, _, _, stripe in
            // given: a tenant with a card that declines, and a draft of an add-on and a service
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            #expect(try await api.setCard(PaymentsAPITests.declining, for: tenant, stripe).status == .ok)
            let created = try await api.call(.post, "/v1/orders", json: Self.draft, token: tenant.token)
            let id = try #require(created.json["id"].string, "\(created.text)")

            // when: it is placed (twice: the second answers it as it is)
            let placed = try await api.call(.post, "/v1/orders/\(id)/place", token: tenant.token, headers: ["If-Match": "\"1\""])
            #expect(placed.status == .ok && placed.json["status"].string == "placed", "\(placed.text)")
            #expect(try await api.call(.post, "/v1/orders/\(id)/place", token: tenant.token, headers: ["If-Match": "*"]).status == .ok)
            // then: Billing issued one invoice for it: 2 × 25.00 + 500.00
            let invoices = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
            #expect(invoices.count == 1 && invoices.first?["total"]["amount"].int == 55_000, "\(invoices)")
            let invoiceID = try #require(invoices.first?["id"].string)

            // when: it is paid with the declining card
            let declined = try await api.call(.post, "/v1/orders/\(id)/pay", token: tenant.token,
                                              headers: ["Idempotency-Key": UUID().uuidString])
            // then: 402, the order placed and payable again
            #expect(declined.status.code == 402 && declined.json["code"].string == "payment_declined", "\(declined.text)")
            let failed = try await api.call(.get, "/v1/orders/\(id)", token: tenant.token)
            #expect(failed.json["status"].string == "placed" && failed.json["payment_status"].string == "failed", "\(failed.text)")

            // when: a good card arrives (Billing charges the open invoice at once)
            #expect(try await api.setCard(PaymentsAPITests.visa, for: tenant, stripe).status == .ok)
            // then: Billing's event makes the order paid; the add-on is delivered, the service waits for staff
            let paid = try await api.waitForOrder(id, token: tenant.token) { $0["payment_status"].string == "paid" }
            #expect(paid["status"].string == "partially_fulfilled", "\(paid)")
            #expect(paid["lines"].array.map { $0["fulfilled"].int } == [2, 0])
            #expect(try await stripe.succeeded(invoice: invoiceID).count == 1)
            #expect(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.count == 1)
            // and paying again is refused, charging nothing
            let again = try await api.call(.post, "/v1/orders/\(id)/pay", token: tenant.token, headers: ["Idempotency-Key": UUID().uuidString])
            #expect(again.status == .conflict, "\(again.text)")
            let timeline = try await api.call(.get, "/v1/orders/\(id)/timeline", token: tenant.token)
            // (emails sent about the order join the timeline as they leave: not part of this story)
            let kinds = timeline.json["data"].array.compactMap { $0["kind"].string }.filter { $0 != "email_sent" }
            #expect(kinds == ["created", "placed", "payment_failed", "paid", "partially_fulfilled"], "\(kinds)")
            // the declined attempt says why, as the provider did
            let failure = timeline.json["data"].array.first { $0["kind"].string == "payment_failed" }
            #expect(failure?["detail"]["code"].string == "card_declined", "\(String(describing: failure))")
        }
    }

    @Test("fifty pays of one order at once, with fifty keys: one charge; an order in another currency is refused at place")
    func fiftyPays() async throws {
        try await PaymentsAPITests.run("orders_fifty") { api, _, _, _, stripe in
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            #expect(try await api.setCard(PaymentsAPITests.visa, for: tenant, stripe).status == .ok)
            let euros = try await api.call(.post, "/v1/orders", json: #"{"currency":"EUR","lines":[{"product":"onboarding","quantity":1}]}"#,
                                           token: tenant.token)
            let refused = try await api.call(.post, "/v1/orders/\(euros.json["id"].string ?? "")/place", token: tenant.token,
                                             headers: ["If-Match": "*"])
            #expect(refused.status == .unprocessableContent && refused.text.contains("USD"), "\(refused.text)")

            let created = try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":[{"product":"extra-seats","quantity":1}]}"#,
                                             token: tenant.token)
            let id = try #require(created.json["id"].string)
            #expect(try await api.call(.post, "/v1/orders/\(id)/place", token: tenant.token, headers: ["If-Match": "*"]).status == .ok)
            let statuses = try await api.concurrentPays(50, path: "/v1/orders/\(id)/pay", token: tenant.token, key: { UUID().uuidString })
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 409 } && statuses.contains(200), "\(statuses)")
            let order = try await api.waitForOrder(id, token: tenant.token) { $0["status"].string == "fulfilled" }
            #expect(order["payment_status"].string == "paid")
            let invoiceID = try #require(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.first?["id"].string)
            #expect(try await stripe.succeeded(invoice: invoiceID).count == 1)
        }
    }
}

extension API {
    /// Polls the order until `done` holds (Billing's events reach Orders through the outbox).
    func waitForOrder(_ id: String, token: String, until done: (JSON) -> Bool) async throws -> JSON {
        for _ in 0..<200 {
            let order = try await call(.get, "/v1/orders/\(id)", token: token).json
            if done(order) { return order }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw APIFailure("order \(id) did not get there within ten seconds")
    }
}
