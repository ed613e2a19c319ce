import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import TemplateEngine
import Testing
@testable import Web

/// The console's orders pages over HTTP, per staff role: the list (filters, a bad one named),
/// its CSV, the order's page and which actions each role is offered and allowed, refusals shown
/// on the page, notes kept from the tenant.
@Suite("Admin console: orders", .serialized)
struct AdminOrdersTests {
    @Test("a list row made directly for the template has exactly the names and texts its Encodable form has")
    func orderRowTemplateValue() throws {
        for placedAt in [Date(timeIntervalSince1970: 1_800_000_000), nil] {
            let row = AdminConsole.OrderRow(id: "i", reference: "r", tenantID: "t", tenantName: "n <&>", status: "placed", paymentStatus: "paid",
                                            items: "2 × Extra seats", total: "55.00 USD", createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                                            placedAt: placedAt)
            guard case .record(let record) = row.templateValue else { Issue.record("not a record"); continue }
            let fields = record.fields
            #expect(fields.count == record.names.count, "no name twice")
            let encoded = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
            // JSONEncoder leaves a nil out; the template sees it as a present nil
            #expect(Set(fields.keys) == Set(encoded.keys).union(["placedAt"]))
            for (name, value) in encoded {
                if let text = value as? String { #expect(fields[name] == .string(text), "\(name)") }
            }
            #expect(fields["createdAt"] == .date(row.createdAt) && fields["placedAt"] == placedAt.map(TemplateValue.date) ?? .null)
        }
    }

    @Test("support lists, exports, notes and delivers; billing-ops cancels; refusals read as sentences on the page")
    func ordersByRole() async throws {
        try await BillingAPITests.run("admin_orders") { api, _, _, db in
            // given: a tenant with two placed orders (no card: their invoices stay open)
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            func placed(_ lines: String) async throws -> String {
                let id = try #require(try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":\#(lines)}"#,
                                                         token: tenant.token).json["id"].string)
                #expect(try await api.call(.post, "/v1/orders/\(id)/place", token: tenant.token, headers: ["If-Match": "*"]).status == .ok)
                return id
            }
            let first = try await placed(#"[{"product":"onboarding","quantity":2},{"product":"extra-seats","quantity":1}]"#)
            let second = try await placed(#"[{"product":"onboarding","quantity":1}]"#)
            let support = try await AdminClient.makeStaff(api, db, role: .support).client
            let billingOps = try await AdminClient.makeStaff(api, db, role: .billingOps).client
            let admin = try await AdminClient.makeStaff(api, db, role: .admin).client

            // the list, narrowed to the tenant; a bad filter is named (422), not guessed at
            let list = try await support.get("/admin/orders?tenant=\(tenant.id)")
            #expect(list.status == .ok && list.text.contains(String(first.prefix(8))) && list.text.contains(String(second.prefix(8))))
            let bad = try await support.get("/admin/orders?status=shipped")
            #expect(bad.status == .unprocessableContent && bad.text.contains("Choose a status from the list."), "\(bad.status)")
            let csv = try await support.get("/admin/orders.csv?tenant=\(tenant.id)")
            #expect(csv.status == .ok && csv.text.hasPrefix("id,tenant_id,tenant,status") && csv.text.contains(first), "\(csv.text.prefix(300))")
            #expect(try await support.get("/admin/products").text.contains("extra-seats"))

            // the order's page: unpaid, so nothing to deliver; support is not offered money actions
            let orderPath = "/admin/tenants/\(tenant.id)/orders/\(first)"
            let unpaid = try await support.get(orderPath)
            #expect(unpaid.status == .ok && AdminClient.badge("order-payment", in: unpaid.text) == "unpaid")
            #expect(!unpaid.text.contains(#"id="fulfil""#) && !unpaid.text.contains(#"id="order-refund""#)
                    && !unpaid.text.contains(#"id="order-cancel""#))
            let forbidden = try await support.post("\(orderPath)/cancel", form: ["reason": "not allowed for support"])
            #expect(forbidden.status == .forbidden, "\(forbidden.status)")

            // a note: on the staff timeline, never on the tenant's
            let noted = try await support.post("\(orderPath)/note", form: ["text": "Customer asked for a Tuesday session"])
            #expect(noted.redirects(to: "\(orderPath)?done=note_added"), "\(noted.status) \(noted.text.prefix(300))")
            #expect(try await support.get(orderPath).text.contains("Customer asked for a Tuesday session"))
            let tenantTimeline = try await api.call(.get, "/v1/orders/\(first)/timeline", token: tenant.token)
            #expect(!tenantTimeline.text.contains("Tuesday"), "\(tenantTimeline.text)")

            // paid by bank transfer (staff mark the invoice paid): the add-on is delivered, the sessions wait for staff
            let invoiceOfFirst = try #require(AdminClient.capture(#"id="order-invoice" href="[^"]*/invoices/([0-9a-f-]+)""#, in: unpaid.text),
                                              "the order page links its invoice")
            let marked = try await admin.post("/admin/tenants/\(tenant.id)/billing/invoices/\(invoiceOfFirst)/mark-paid",
                                              form: ["reason": "Bank transfer received"])
            #expect(marked.status == .seeOther, "\(marked.status) \(marked.text.prefix(300))")
            _ = try await api.waitForOrder(first, token: tenant.token) { $0["status"].string == "partially_fulfilled" }
            let paid = try await support.get(orderPath)
            #expect(paid.text.contains(#"id="fulfil""#), "support is offered delivery once the order is paid")

            // delivering more than is left is refused on the page, in words; then the two sessions are delivered
            let tooMany = try await support.post("\(orderPath)/fulfil", form: ["line_1": "5"])
            #expect(tooMany.status == .unprocessableContent
                    && AdminClient.capture(#"role="alert">([^<]*)"#, in: tooMany.text)?.contains("deliver between 1 and 2") == true)
            let delivered = try await support.post("\(orderPath)/fulfil", form: ["line_1": "2", "note": "Both sessions held"])
            #expect(delivered.redirects(to: "\(orderPath)?done=order_fulfilled"), "\(delivered.status) \(delivered.text.prefix(300))")
            #expect(AdminClient.badge("order-status", in: try await support.get(orderPath).text) == "fulfilled")

            // billing-ops: a delivered order offers no cancel, and a refund on this server (no payment provider) is
            // refused in words, on the page
            let forOps = try await billingOps.get(orderPath)
            #expect(!forOps.text.contains(#"id="order-cancel""#) && forOps.text.contains(#"id="order-refund""#))
            let refund = try await billingOps.post("\(orderPath)/refund", form: ["currency": "USD", "amount": "10.00", "reason": "goodwill"])
            let refusal = AdminClient.capture(#"role="alert">([^<]*)"#, in: refund.text)
            #expect(refund.status == .unprocessableContent && refusal?.contains("Card payments are not set up") == true, "\(refusal ?? refund.text)")
            // billing-ops cancels the unpaid second order: its invoice is voided
            let secondPath = "/admin/tenants/\(tenant.id)/orders/\(second)"
            _ = try await billingOps.get(secondPath)
            let canceled = try await billingOps.post("\(secondPath)/cancel", form: ["reason": "Ordered twice by mistake"])
            #expect(canceled.redirects(to: "\(secondPath)?done=order_canceled"), "\(canceled.status) \(canceled.text.prefix(300))")
            let secondRead = try await api.call(.get, "/v1/orders/\(second)", token: tenant.token)
            #expect(secondRead.json["status"].string == "canceled", "\(secondRead.text)")
            let statuses = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.compactMap { $0["status"].string }
            #expect(statuses.sorted() == ["paid", "void"], "\(statuses)")
        }
    }

    @Test("the catalog: billing-ops add a product (bad prices and a taken code refused in words) and retire it; support may not")
    func catalog() async throws {
        try await BillingAPITests.run("admin_products") { api, _, _, db in
            let billingOps = try await AdminClient.makeStaff(api, db, role: .billingOps).client
            let support = try await AdminClient.makeStaff(api, db, role: .support).client
            let code = "hardware-\(UInt16.random(in: 1000...9999))"
            let product = ["code": code, "name": "Door badge reader", "description": "Shipped within a week.", "fulfilment": "manual",
                           "prices": "USD 120.00\nEUR 110.00"]
            _ = try await support.get("/admin/products")
            #expect(try await support.post("/admin/products", form: product).status == .forbidden)

            let page = try await billingOps.get("/admin/products")
            #expect(page.text.contains(#"id="new-product""#))
            var bad = product
            bad["prices"] = "USD twelve"
            let refused = try await billingOps.post("/admin/products", form: bad)
            #expect(refused.status == .unprocessableContent
                    && AdminClient.capture(#"role="alert">([^<]*)"#, in: refused.text)?.contains("USD 29.00") == true)
            let created = try await billingOps.post("/admin/products", form: product)
            #expect(created.redirects(to: "/admin/products?done=product_created"), "\(created.status) \(created.text.prefix(300))")
            let taken = try await billingOps.post("/admin/products", form: product)
            #expect(taken.status == .unprocessableContent && taken.text.contains("never reused"), "\(taken.status)")
            let tenant = try await api.signUp()
            let onSale = try await api.call(.get, "/v1/products", token: tenant.token).json["data"].array.compactMap { $0["code"].string }
            #expect(onSale.contains(code), "\(onSale)")

            let retired = try await billingOps.post("/admin/products/\(code)/retire")
            #expect(retired.redirects(to: "/admin/products?done=product_retired"), "\(retired.status)")
            let after = try await api.call(.get, "/v1/products", token: tenant.token).json["data"].array.compactMap { $0["code"].string }
            #expect(!after.contains(code) && after.contains("onboarding"), "\(after)")
            let draft = try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":[{"product":"\#(code)","quantity":1}]}"#,
                                           token: tenant.token)
            #expect(draft.status == .unprocessableContent && draft.text.contains("product_not_found"), "\(draft.text)")
        }
    }
}
