import Billing
import BillingAPI
import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Orders
import OrdersAPI
import Storage
import Testing

/// An order after it is placed: the tenant cancels what nobody paid for (its invoice voided);
/// staff deliver manual products in parts, refund up to what was paid and not beyond, and cancel
/// a paid order with a full refund — each through Billing, over real HTTP, PostgreSQL and
/// localstripe; the order emails go out.
@Suite("API: orders after payment — cancel, staff delivery, refunds, emails (localstripe)")
struct OrdersAfterPaymentTests {
    static let staff = StaffPrincipal(staffID: StaffID(rawValue: UUID()), email: "ops@keel.test", role: .admin, requestID: "test")

    @Test("the tenant cancels a draft and an unpaid order (its invoice voided); a paid one is staff's to cancel")
    func tenantCancel() async throws {
        try await PaymentsAPITests.run("orders_cancel") { api, _, _, _, stripe in
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let line = #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}]}"#

            // a draft: canceled, and canceling again answers it as it is
            let draft = try #require(try await api.call(.post, "/v1/orders", json: line, token: tenant.token).json["id"].string)
            let canceled = try await api.call(.post, "/v1/orders/\(draft)/cancel", token: tenant.token)
            #expect(canceled.status == .ok && canceled.json["status"].string == "canceled", "\(canceled.text)")
            #expect(canceled.json["canceled_at"].string != nil)
            #expect(try await api.call(.post, "/v1/orders/\(draft)/cancel", token: tenant.token).json["status"].string == "canceled")
            // and a canceled draft is not placed
            let placeCanceled = try await api.call(.post, "/v1/orders/\(draft)/place", token: tenant.token, headers: ["If-Match": "*"])
            #expect(placeCanceled.status == .conflict, "\(placeCanceled.text)")

            // a placed order nobody paid for: its invoice is voided, then it is canceled
            let placed = try #require(try await api.call(.post, "/v1/orders", json: line, token: tenant.token).json["id"].string)
            #expect(try await api.call(.post, "/v1/orders/\(placed)/place", token: tenant.token, headers: ["If-Match": "*"]).status == .ok)
            let unpaid = try await api.call(.post, "/v1/orders/\(placed)/cancel", token: tenant.token)
            #expect(unpaid.json["status"].string == "canceled" && unpaid.json["payment_status"].string == "unpaid", "\(unpaid.text)")
            let invoices = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
            #expect(invoices.map { $0["status"].string } == ["void"], "\(invoices)")
            // and nothing can pay it any more
            let pay = try await api.call(.post, "/v1/orders/\(placed)/pay", token: tenant.token, headers: ["Idempotency-Key": UUID().uuidString])
            #expect(pay.status == .conflict, "\(pay.text)")

            // a paid order: 409, it stays paid
            #expect(try await api.setCard(PaymentsAPITests.visa, for: tenant, stripe).status == .ok)
            let paid = try await Self.paidOrder(api, tenant, line)
            let refused = try await api.call(.post, "/v1/orders/\(paid)/cancel", token: tenant.token)
            #expect(refused.status == .conflict && refused.json["code"].string == "order_cancel_refused", "\(refused.text)")
            #expect(try await api.call(.get, "/v1/orders/\(paid)", token: tenant.token).json["payment_status"].string == "paid")
            // the timeline tells the unpaid order's story
            let timeline = try await api.call(.get, "/v1/orders/\(placed)/timeline", token: tenant.token).json["data"].array
            #expect(timeline.compactMap { $0["kind"].string }.filter { $0 != "email_sent" } == ["created", "placed", "canceled"],
                    "\(timeline)")
        }
    }

    @Test("staff deliver a manual product in parts; refunds go up to what was paid and not beyond; emails follow")
    func staffDeliverAndRefund() async throws {
        try await Self.withPaidOrder("orders_staff", onboardings: 2) { api, orders, tenant, tenantID, id, orderID, db, stripe in
            let mailbox = Mailbox(db: db)
            try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Order \(id.prefix(8)) confirmed")

            // deliveries: more than is left is refused, by line; then part, then the rest
            await #expect(throws: AppError.self) {
                try await orders.fulfil(Self.staff, tenantID: tenantID, id: orderID, Fulfilment(quantities: [1: 3], note: nil))
            }
            let part = try await orders.fulfil(Self.staff, tenantID: tenantID, id: orderID, Fulfilment(quantities: [1: 1], note: "first session held"))
            #expect(part.status == .partiallyFulfilled && part.lines.first?.fulfilled == 1)
            let all = try await orders.fulfil(Self.staff, tenantID: tenantID, id: orderID, Fulfilment(quantities: [1: 1], note: nil))
            #expect(all.status == .fulfilled)
            try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Order \(id.prefix(8)) delivered")

            // a delivered order is not canceled, by staff either
            let cancel = await #expect(throws: AppError.self) {
                try await orders.cancel(Self.staff, tenantID: tenantID, id: orderID, reason: "customer asked")
            }
            #expect(cancel?.code == .orderCancelRefused)

            // refunds: a part, more than is left (refused by Billing), the rest
            let paid = try #require(all.amountPaid)
            #expect(paid == Money(minorUnits: 100_000, currency: try #require(Currency(code: "USD"))))
            let first = try await orders.refund(Self.staff, tenantID: tenantID, id: orderID,
                                                amount: Money(minorUnits: 30_000, currency: paid.currency), reason: "one session was short")
            #expect(first.paymentStatus == .partiallyRefunded && first.refunded.minorUnits == 30_000)
            let beyond = await #expect(throws: AppError.self) {
                try await orders.refund(Self.staff, tenantID: tenantID, id: orderID,
                                        amount: Money(minorUnits: 70_001, currency: paid.currency), reason: "too much")
            }
            #expect(beyond?.fieldErrors.first?.code == "exceeds_paid", "\(String(describing: beyond))")
            let rest = try await orders.refund(Self.staff, tenantID: tenantID, id: orderID,
                                               amount: Money(minorUnits: 70_000, currency: paid.currency), reason: "goodwill")
            #expect(rest.paymentStatus == .refunded && rest.refunded == paid)
            let invoiceID = try #require(rest.invoiceID?.uuidString.lowercased())
            let refunds = try await stripe.refunds(invoice: invoiceID)
            #expect(refunds.map(\.amount).sorted() == [30_000, 70_000], "\(refunds)")  // localstripe lists newest first
            try await mailbox.waitFor(to: tenant.ownerEmail, subject: "for order \(id.prefix(8))", count: 2)

            // the tenant's timeline shows it all, without staff notes; Billing's event changed nothing more
            try await orders.addNote(Self.staff, tenantID: tenantID, id: orderID, text: "called the customer")
            let entries = try await api.call(.get, "/v1/orders/\(id)/timeline", token: tenant.token).json["data"].array
            let kinds = entries.compactMap { $0["kind"].string }.filter { $0 != "email_sent" }
            #expect(kinds == ["created", "placed", "paid", "partially_fulfilled", "fulfilled", "partially_refunded", "refunded"], "\(kinds)")
            let staffKinds = try await orders.timeline(Self.staff, tenantID: tenantID, id: orderID).map(\.kind)
            #expect(staffKinds.contains("note"))
            // each email about the order joins its timeline once it is sent: the confirmation, two deliveries, two refunds
            let deadline = ContinuousClock.now + .seconds(10)
            var sent: [String] = []
            while ContinuousClock.now < deadline {
                sent = try await orders.timeline(Self.staff, tenantID: tenantID, id: orderID).filter { $0.kind == "email_sent" }
                    .compactMap { $0.detail["email"] }
                if sent.count >= 5 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(sent.sorted() == ["order_fulfilled", "order_fulfilled", "order_placed", "order_refunded", "order_refunded"], "\(sent)")
        }
    }

    @Test("staff cancel a paid, undelivered order: the whole payment goes back, once")
    func staffCancelPaid() async throws {
        try await Self.withPaidOrder("orders_staff_cancel", onboardings: 1) { api, orders, tenant, tenantID, id, orderID, db, stripe in

            // a reason is required
            await #expect(throws: AppError.self) { try await orders.cancel(Self.staff, tenantID: tenantID, id: orderID, reason: "") }
            let canceled = try await orders.cancel(Self.staff, tenantID: tenantID, id: orderID, reason: "ordered by mistake")
            #expect(canceled.status == .canceled && canceled.paymentStatus == .refunded && canceled.refunded == canceled.amountPaid)
            // twice: nothing more goes back
            _ = try await orders.cancel(Self.staff, tenantID: tenantID, id: orderID, reason: "ordered by mistake")
            let invoiceID = try #require(canceled.invoiceID?.uuidString.lowercased())
            #expect(try await stripe.refunds(invoice: invoiceID).map(\.amount) == [50_000])
            // the tenant sees it canceled and refunded; the list across tenants finds it by reference
            let read = try await api.waitForOrder(id, token: tenant.token) { $0["status"].string == "canceled" }
            #expect(read["payment_status"].string == "refunded" && read["refunded"]["amount"].int == 50_000, "\(read)")
            let found = try await orders.orders(Self.staff, filter: OrderFilter(reference: String(id.prefix(8))), page: PageRequest())
            #expect(found.items.map(\.id) == [orderID])
            let none = try await orders.orders(Self.staff, filter: OrderFilter(status: .draft, tenantID: tenantID), page: PageRequest())
            #expect(none.items.isEmpty)
        }
    }

    @Test("fifty places of one draft at once: one invoice, placed once; fifty pays with one key: one charge")
    func fiftyPlaces() async throws {
        try await PaymentsAPITests.run("orders_fifty_places") { api, _, _, _, stripe in
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            #expect(try await api.setCard(PaymentsAPITests.visa, for: tenant, stripe).status == .ok)
            let created = try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}]}"#,
                                             token: tenant.token)
            let id = try #require(created.json["id"].string, "\(created.text)")

            // at the version read, as fifty double taps would send it
            let places = try await api.concurrentPays(50, path: "/v1/orders/\(id)/place", token: tenant.token,
                                                      headers: ["If-Match": "\"1\""], key: { UUID().uuidString })
            #expect(places.allSatisfy { $0 == 200 }, "\(places)")
            let invoices = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
            #expect(invoices.count == 1, "\(invoices)")
            let timeline = try await api.call(.get, "/v1/orders/\(id)/timeline", token: tenant.token).json["data"].array
            #expect(timeline.compactMap { $0["kind"].string }.filter { $0 != "email_sent" } == ["created", "placed"], "\(timeline)")

            let key = UUID().uuidString
            let pays = try await api.concurrentPays(50, path: "/v1/orders/\(id)/pay", token: tenant.token, key: { key })
            #expect(pays.allSatisfy { $0 == 200 || $0 == 409 } && pays.contains(200), "\(pays)")
            _ = try await api.waitForOrder(id, token: tenant.token) { $0["payment_status"].string == "paid" }
            let invoiceID = try #require(invoices.first?["id"].string)
            #expect(try await stripe.succeeded(invoice: invoiceID).count == 1)
        }
    }

    @Test("seats: the plan's five are taken, so an invitation waits; an extra-seats add-on, paid and delivered, lets it in")
    func extraSeats() async throws {
        try await PaymentsAPITests.run("orders_seats") { api, _, _, db, stripe in
            let tenant = try await api.signUp()
            let tenantID = try #require(TenantID(tenant.id))
            let mailbox = Mailbox(db: db)
            try await AccountFlowsAPITests.verify(tenant, api: api, mailbox: mailbox)
            _ = try await api.waitForSubscription(token: tenant.token)
            // Billing's trial reached Accounts: the starter plan's 5 seats
            #expect(try await Self.seats(db, tenantID, until: { $0.limit != nil }) == (5, 0))
            for _ in 0..<4 { _ = try await LiveAPI.addUser(api, db, to: tenant, role: .member) }

            // the sixth person's acceptance is refused, and the invitation stays open
            let invitee = "sixth@\(tenant.slug).test"
            #expect(try await api.call(.post, "/v1/invitations", json: #"{"email":"\#(invitee)","role":"member"}"#,
                                       token: tenant.token).status == .created)
            let token = try Mailbox.token("keeli_", in: try await mailbox.waitFor(to: invitee, subject: "invited you to"))
            let accept = #"{"token":"\#(token)","name":"Sixth","password":"\#(API.password)"}"#
            let full = try await api.call(.post, "/v1/invitation-acceptances", json: accept)
            #expect(full.status == .conflict && full.code == "seat_limit_reached", "\(full.text)")

            // one extra-seats pack, paid: delivered at once, and Accounts adds its five seats, once
            #expect(try await api.setCard(PaymentsAPITests.visa, for: tenant, stripe).status == .ok)
            let id = try await Self.paidOrder(api, tenant, #"{"currency":"USD","lines":[{"product":"extra-seats","quantity":1}]}"#)
            _ = try await api.waitForOrder(id, token: tenant.token) { $0["status"].string == "fulfilled" }
            #expect(try await Self.seats(db, tenantID, until: { $0.extra > 0 }) == (5, 5))
            let joined = try await api.call(.post, "/v1/invitation-acceptances", json: accept)
            #expect(joined.status == .created, "\(joined.text)")
        }
    }

    @Test("coupons: an order's code is redeemed by Billing when placed and discounts its invoice; a second use or a bad code is 422 on coupon")
    func coupons() async throws {
        try await PaymentsAPITests.run("orders_coupons") { api, billing, _, _, _ in
            let code = "ORDERS-\(UInt16.random(in: 1000...9999))"
            _ = try await billing.createCoupon(nil, NewCoupon(code: code, name: "Ten off", percentOffBasisPoints: 1000, duration: .once))
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)

            // a malformed code is refused at once; a good one is kept on the draft, as typed but upper-cased
            let bad = try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}],"coupon":"no way!"}"#,
                                         token: tenant.token)
            #expect(bad.status == .unprocessableContent && bad.text.contains("coupon"), "\(bad.text)")
            let body = #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}],"coupon":" \#(code.lowercased()) "}"#
            let created = try await api.call(.post, "/v1/orders", json: body, token: tenant.token)
            #expect(created.json["coupon"].string == code && created.json["discount"]["amount"].int == 0, "\(created.text)")
            let id = try #require(created.json["id"].string)

            // placed: Billing redeems it and the invoice carries the discount line; the order records it
            let placed = try await api.call(.post, "/v1/orders/\(id)/place", token: tenant.token, headers: ["If-Match": "*"])
            #expect(placed.status == .ok && placed.json["discount"]["amount"].int == 5_000, "\(placed.text)")
            let invoice = try #require(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.first)
            #expect(invoice["total"]["amount"].int == 45_000, "\(invoice)")

            // the same code on a second order: 422 on coupon at place, and the order stays a draft to fix
            let second = try #require(try await api.call(.post, "/v1/orders", json: body, token: tenant.token).json["id"].string)
            let again = try await api.call(.post, "/v1/orders/\(second)/place", token: tenant.token, headers: ["If-Match": "*"])
            #expect(again.status == .unprocessableContent && again.text.contains("coupon_not_redeemable"), "\(again.text)")
            #expect(try await api.call(.get, "/v1/orders/\(second)", token: tenant.token).json["status"].string == "draft")
            // removing the code ("") lets it be placed at full price
            let cleared = try await api.call(.put, "/v1/orders/\(second)/lines",
                                             json: #"{"lines":[{"product":"onboarding","quantity":1}],"coupon":""}"#,
                                             token: tenant.token, headers: ["If-Match": "*"])
            #expect(cleared.status == .ok && cleared.json["coupon"].isNull, "\(cleared.text)")
            let full = try await api.call(.post, "/v1/orders/\(second)/place", token: tenant.token, headers: ["If-Match": "*"])
            #expect(full.status == .ok && full.json["discount"]["amount"].int == 0, "\(full.text)")
            // an unknown code is 422 on coupon too
            let unknown = try #require(try await api.call(.post, "/v1/orders",
                                                          json: #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}],"coupon":"NO-SUCH-CODE"}"#,
                                                          token: tenant.token).json["id"].string)
            let missing = try await api.call(.post, "/v1/orders/\(unknown)/place", token: tenant.token, headers: ["If-Match": "*"])
            #expect(missing.status == .unprocessableContent && missing.text.contains("coupon_not_found"), "\(missing.text)")
        }
    }

    /// The tenant's plan seats and extra seats, as Accounts holds them, once `done` holds (the
    /// events that set them arrive through the outbox), or after ten seconds.
    static func seats(_ db: TestDatabase, _ tenantID: TenantID,
                      until done: ((limit: Int?, extra: Int)) -> Bool) async throws -> (limit: Int?, extra: Int) {
        let deadline = ContinuousClock.now + .seconds(30)  // events cross two modules through the outbox; a loaded full run once took over 10 s
        while true {
            let seats = try await db.database.tenant(tenantID) { tx in
                let row = try #require(try await tx.query("select seat_limit, extra_seats from accounts.tenants where tenant_id = \(tx.tenantID)").first)
                return (limit: try row.decode("seat_limit", as: Int?.self), extra: try row.decode("extra_seats", as: Int.self))
            }
            if done(seats) || ContinuousClock.now >= deadline { return seats }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A tenant with a card on file and a paid order of `onboardings` onboarding sessions (a
    /// manual product: nothing delivered yet), and Orders' staff side on the same database.
    static func withPaidOrder(
        _ label: String, onboardings: Int,
        _ body: @escaping @Sendable (API, OrdersModule, API.Tenant, TenantID, String, OrderID, TestDatabase, LocalStripe) async throws -> Void
    ) async throws {
        try await PaymentsAPITests.run(label) { api, billing, clock, db, stripe in
            try await db.withPool(clock: clock) { pool in
                let orders = OrdersModule(db: pool.database, platform: pool.platformDatabase(), billing: billing, billingSupport: billing)
                let tenant = try await api.signUp()
                _ = try await api.waitForSubscription(token: tenant.token)
                #expect(try await api.setCard(PaymentsAPITests.visa, for: tenant, stripe).status == .ok)
                let id = try await paidOrder(api, tenant, #"{"currency":"USD","lines":[{"product":"onboarding","quantity":\#(onboardings)}]}"#)
                try await body(api, orders, tenant, try #require(TenantID(tenant.id)), id, try #require(OrderID(id)), db, stripe)
            }
        }
    }

    /// A placed order of `lines`, paid with the card on file; its id.
    static func paidOrder(_ api: API, _ tenant: API.Tenant, _ lines: String) async throws -> String {
        let id = try #require(try await api.call(.post, "/v1/orders", json: lines, token: tenant.token).json["id"].string)
        let placed = try await api.call(.post, "/v1/orders/\(id)/place", token: tenant.token, headers: ["If-Match": "*"])
        #expect(placed.status == .ok, "\(placed.text)")
        let paid = try await api.call(.post, "/v1/orders/\(id)/pay", token: tenant.token, headers: ["Idempotency-Key": UUID().uuidString])
        #expect(paid.status == .ok || paid.status == .conflict, "\(paid.text)")
        _ = try await api.waitForOrder(id, token: tenant.token) { $0["payment_status"].string == "paid" }
        return id
    }
}

extension LocalStripe {
    /// Every refund the provider made of a Keel invoice's successful payments, oldest first.
    func refunds(invoice id: String) async throws -> [Refund] {
        var all: [Refund] = []
        for intent in try await succeeded(invoice: id) { all += try await refunds(paymentIntent: intent.id) }
        return all
    }
}
