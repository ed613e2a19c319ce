import Billing
import BillingAPI
import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

/// The tenant page's billing section and the staff actions on it, over HTTP like a browser,
/// on a database and clock of the test's own (the trial ends because the test moves time).
@Suite("Admin console: billing", .serialized)
struct AdminBillingTests {
    @Test("extend a trial and set a tax rate, each with a reason; mark the first invoice paid; all audited")
    func billingActions() async throws {
        try await BillingAPITests.run("admin_billing") { api, billing, clock, db in
            // given: a tenant on its trial and an admin in the console
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let client = admin.client
            let tenantPath = "/admin/tenants/\(tenant.id)"
            let page = try await client.get(tenantPath)
            #expect(AdminClient.badge("billing-status", in: page.text) == "trialing", "\(page.text)")

            // when: the trial is extended by 7 days and a 20 % tax rate is set
            let noReason = try await client.post("\(tenantPath)/billing/extend-trial", form: ["days": "7", "reason": " "])
            #expect(noReason.status == .unprocessableContent && noReason.text.contains("Give a reason of 3 to 500 characters."))
            let extended = try await client.post("\(tenantPath)/billing/extend-trial",
                                                 form: ["days": "7", "reason": "Onboarding call ran late"])
            #expect(extended.redirects(to: "\(tenantPath)?done=trial_extended"), "\(extended.status) \(extended.text.prefix(300))")
            let taxed = try await client.post("\(tenantPath)/billing/tax-rate", form: ["basis_points": "2000", "reason": "German VAT"])
            #expect(taxed.redirects(to: "\(tenantPath)?done=tax_rate_set"), "\(taxed.status)")
            #expect(try await client.get(tenantPath).text.contains("20 %"))

            // then: the trial ends 21 days after sign-up, not 14
            clock.advance(by: 15 * 86_400)
            _ = try await billing.runDue(limit: 1000)
            #expect(AdminClient.badge("billing-status", in: try await client.get(tenantPath).text) == "trialing")
            clock.advance(by: 7 * 86_400)
            _ = try await billing.runDue(limit: 1000)

            // and the first invoice carries the tax: 29.00 + 20 % = 34.80 USD
            let invoices = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array
            let invoice = try #require(invoices.first)
            #expect(invoice["total"]["amount"].int == 3480 && invoice["tax"]["amount"].int == 580, "\(invoice)")
            let invoiceID = try #require(invoice["id"].string)
            let withInvoice = try await client.get(tenantPath)
            #expect(withInvoice.text.contains(invoice["number"].string ?? "?"))
            let pdf = try await client.get("\(tenantPath)/billing/invoices/\(invoice["id"].string ?? "")/pdf")
            #expect(pdf.status == .ok && pdf.text.hasPrefix("%PDF-"), "\(pdf.status)")
            #expect(AdminClient.badge("billing-status", in: withInvoice.text) == "past_due")

            // when: staff mark it paid (a bank transfer)
            let paid = try await client.post("\(tenantPath)/billing/invoices/\(invoiceID)/mark-paid",
                                             form: ["reason": "Bank transfer 2026-12-05"])
            #expect(paid.redirects(to: "\(tenantPath)?done=invoice_paid"), "\(paid.status) \(paid.text.prefix(300))")
            // then: the invoice is paid, the subscription active again, and a second attempt is refused on the page
            let afterPaid = try await api.call(.get, "/v1/billing/invoices/\(invoiceID)", token: tenant.token)
            #expect(afterPaid.json["status"].string == "paid" && afterPaid.json["amount_due"]["amount"].int == 0)
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "active")
            let again = try await client.post("\(tenantPath)/billing/invoices/\(invoiceID)/mark-paid", form: ["reason": "Twice"])
            #expect(again.status == .unprocessableContent && again.text.contains("Only an open invoice can be marked paid"))

            // when: a credit note gives 5.00 back on the paid invoice
            let credited = try await client.post("\(tenantPath)/billing/invoices/\(invoiceID)/credit-note",
                                                 form: ["amount": "5.00", "currency": "USD", "reason": "Outage on 3 Dec"])
            #expect(credited.redirects(to: "\(tenantPath)?done=credit_note_issued"), "\(credited.status) \(credited.text.prefix(300))")
            // then: it is customer balance, and more than the invoice's total is refused
            #expect(try await api.call(.get, "/v1/billing/profile", token: tenant.token).json["balance"]["amount"].int == 500)
            let tooMuch = try await client.post("\(tenantPath)/billing/invoices/\(invoiceID)/credit-note",
                                                form: ["amount": "30.00", "currency": "USD", "reason": "Too generous"])
            #expect(tooMuch.status == .unprocessableContent && tooMuch.text.contains("at most 29.80 USD"), "\(tooMuch.text.prefix(400))")
            let notes = try await api.call(.get, "/v1/billing/credit-notes", token: tenant.token).json["data"].array
            #expect(notes.count == 1 && notes.first?["number"].string?.hasPrefix("KEEL-CN-") == true, "\(notes)")
            #expect(notes.first?["credited_to_balance"]["amount"].int == 500)
            // and the renewal consumes the balance before anything is due
            let periodEnd = try #require(try await api.call(.get, "/v1/billing/subscription", token: tenant.token)
                .json["current_period_end"].string.flatMap { try? Date($0, strategy: .iso8601) })
            clock.set(periodEnd.addingTimeInterval(1))
            _ = try await billing.runDue(limit: 1000)
            let renewal = try #require(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.first)
            #expect(renewal["total"]["amount"].int == 3480 && renewal["balance_applied"]["amount"].int == 500
                    && renewal["amount_due"]["amount"].int == 2980, "\(renewal)")
            #expect(try await api.call(.get, "/v1/billing/profile", token: tenant.token).json["balance"]["amount"].int == 0)

            // and the audit log names the staff member, the action and the reason
            let audit = try await client.get("/admin/audit?tenant=\(tenant.id)")
            for expected in ["invoice.marked_paid", "subscription.trial_extended", "billing_profile.tax_rate_set",
                             "invoice.credit_note_issued", "Outage on 3 Dec",
                             "Invoice marked paid", "Bank transfer 2026-12-05", "staff: \(admin.email)"] {
                #expect(audit.text.contains(expected), "\(expected)")
            }
        }
    }

    @Test("support staff see billing but cannot act on it")
    func supportCannotOperate() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let support = try await AdminClient.makeStaff(api, db, role: .support)
            let page = try await support.client.get("/admin/tenants/\(tenant.id)")
            #expect(AdminClient.badge("billing-status", in: page.text) == "trialing")
            #expect(!page.text.contains("id=\"tax-rate\""))
            let refused = try await support.client.post("/admin/tenants/\(tenant.id)/billing/tax-rate",
                                                        form: ["basis_points": "2000", "reason": "Not mine to set"])
            #expect(refused.status == .forbidden, "\(refused.status)")
        }
    }

    @Test("the plans page: every version listed; a new version needs well-formed prices; the default cannot be retired")
    func plansPage() async throws {
        let db = try await TestDatabase.shared().scratch("admin_plans")
        try await LiveAPI.run(database: db) { api, db in
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let client = admin.client
            let page = try await client.get("/admin/plans")
            #expect(page.status == .ok && page.text.contains("starter") && page.text.contains("29.00 USD"))
            // a price that is not "CUR 0.00"
            let bad = try await client.post("/admin/plans", form: ["code": "team", "name": "Team", "interval": "month",
                                                                   "trial_days": "14", "prices": "29 dollars"])
            #expect(bad.status == .unprocessableContent && bad.text.contains("one price a line"), "\(bad.status)")
            // a new plan, then a new version of it
            for price in ["USD 49.00\nEUR 45.00", "USD 59.00"] {
                let created = try await client.post("/admin/plans", form: ["code": "team", "name": "Team", "interval": "month",
                                                                           "trial_days": "7", "seats": "10", "prices": price])
                #expect(created.redirects(to: "/admin/plans?done=plan_created"), "\(created.status) \(created.text.prefix(300))")
            }
            let listed = try await client.get("/admin/plans").text
            #expect(listed.contains("59.00 USD") && listed.contains("45.00 EUR"))
            // the default plan stays; another can go
            let keepDefault = try await client.post("/admin/plans/starter/retire")
            #expect(keepDefault.status == .unprocessableContent && keepDefault.text.contains("the default"))
            #expect(try await client.post("/admin/plans/team/retire").redirects(to: "/admin/plans?done=plan_retired"))
            let audit = try await client.get("/admin/audit?action=plan.").text
            #expect(audit.contains("plan.version_created") && audit.contains("plan.retired"))
        }
    }

    @Test("staff void an invoice issued in error (the subscription is active again) and change a tenant's plan, with reasons")
    func voidAndChangePlan() async throws {
        try await BillingAPITests.run("admin_void") { api, billing, clock, db in
            // given: a tenant whose trial ended without a payment method (past due, one open invoice)
            let tenant = try await api.signUp()
            _ = try await api.waitForSubscription(token: tenant.token)
            let admin = try await AdminClient.makeStaff(api, db, role: .billingOps)
            let tenantPath = "/admin/tenants/\(tenant.id)"
            clock.advance(by: 14 * 86_400 + 1)
            _ = try await billing.runDue(limit: 1000)
            let invoice = try #require(try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"].array.first)
            let invoiceID = try #require(invoice["id"].string)
            // when: billing-ops void it, with a reason
            let voided = try await admin.client.post("\(tenantPath)/billing/invoices/\(invoiceID)/void",
                                                     form: ["reason": "Issued before the contract started"])
            #expect(voided.redirects(to: "\(tenantPath)?done=invoice_voided"), "\(voided.status) \(voided.text.prefix(300))")
            // then: nothing is owed, its number stays, and the subscription is active again
            let after = try await api.call(.get, "/v1/billing/invoices/\(invoiceID)", token: tenant.token)
            #expect(after.json["status"].string == "void" && after.json["amount_due"]["amount"].int == 0
                    && after.json["number"].string == invoice["number"].string)
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["status"].string == "active")
            // when: they move the tenant to Pro mid-period
            clock.advance(by: 5 * 86_400)
            let changed = try await admin.client.post("\(tenantPath)/billing/plan", form: ["plan": "pro", "reason": "Sales upgrade, signed"])
            #expect(changed.redirects(to: "\(tenantPath)?done=plan_changed"), "\(changed.status) \(changed.text.prefix(300))")
            // then: the tenant is on Pro with a proration invoice, and the audit log names the staff member and the reason
            #expect(try await api.call(.get, "/v1/billing/subscription", token: tenant.token).json["plan"]["code"].string == "pro")
            let newest = try await api.call(.get, "/v1/billing/invoices", token: tenant.token).json["data"][0]
            #expect(newest["billing_reason"].string == "subscription_update", "\(newest)")
            let audit = try await admin.client.get("/admin/audit?tenant=\(tenant.id)").text
            for expected in ["invoice.voided", "Issued before the contract started", "subscription.plan_changed", "Sales upgrade, signed"] {
                #expect(audit.contains(expected), "\(expected)")
            }
        }
    }
}
