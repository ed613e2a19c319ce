import AccountsAPI
import BillingAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NIOCore

/// A tenant's billing on its console page, and the staff actions on it (each with a reason,
/// audited by the Billing module): mark an invoice paid out of band, extend a trial, set the
/// tax rate.
extension AdminConsole {
    struct BillingView: Encodable, Sendable {
        struct InvoiceRow: Encodable, Sendable {
            let id: String
            let number: String
            let status: String
            let total: String
            let amountDue: String
            let credited: String
            let currency: String
            let issued: Bool
            let issuedAt: Date?
            let dueAt: Date?
            let open: Bool
        }

        let hasSubscription: Bool
        let plan: String
        let status: String
        let trialEnd: Date?
        let periodStart: Date?
        let periodEnd: Date?
        let cancelAtPeriodEnd: Bool
        let pendingPlan: String?
        let currency: String
        let email: String?
        let legalName: String?
        let taxRate: String
        let taxRateBasisPoints: Int
        let balance: String
        let coupon: String?
        let invoices: [InvoiceRow]
        let trialing: Bool
        let canOperate: Bool

        init(_ overview: BillingOverview, canOperate: Bool) {
            let subscription = overview.subscription
            hasSubscription = subscription != nil
            plan = subscription.map { "\($0.plan.name) (\($0.plan.code) v\($0.plan.version))" } ?? "—"
            status = subscription?.status.rawValue ?? "none"
            trialEnd = subscription?.trialEnd
            periodStart = subscription?.currentPeriodStart
            periodEnd = subscription?.currentPeriodEnd
            cancelAtPeriodEnd = subscription?.cancelAtPeriodEnd ?? false
            pendingPlan = subscription?.pendingPlan?.name
            currency = overview.profile.currency.code
            email = overview.profile.email
            legalName = overview.profile.legalName
            taxRateBasisPoints = overview.profile.taxRateBasisPoints
            taxRate = Self.percent(overview.profile.taxRateBasisPoints)
            balance = "\(overview.profile.balance.decimalString) \(overview.profile.balance.currency.code)"
            coupon = subscription?.coupon.map { "\($0.coupon.name) (\($0.coupon.code)), used on \($0.periodsApplied) invoice(s)" }
            invoices = overview.invoices.map { invoice in
                InvoiceRow(id: invoice.id.description, number: invoice.number ?? "draft", status: invoice.status.rawValue,
                           total: "\(invoice.total.decimalString) \(invoice.currency.code)",
                           amountDue: "\(invoice.amountDue.decimalString) \(invoice.currency.code)",
                           credited: "\(invoice.credited.decimalString) \(invoice.currency.code)",
                           currency: invoice.currency.code, issued: invoice.status == .open || invoice.status == .paid,
                           issuedAt: invoice.finalizedAt, dueAt: invoice.dueAt, open: invoice.status == .open)
            }
            trialing = subscription?.status == .trialing
            self.canOperate = canOperate
        }

        /// Basis points as a percentage, with integers only: 2000 → "20 %", 1950 → "19.5 %".
        static func percent(_ basisPoints: Int) -> String {
            let whole = basisPoints / 100, fraction = basisPoints % 100
            if fraction == 0 { return "\(whole) %" }
            let digits = fraction % 10 == 0 ? String(fraction / 10) : String(format: "%02d", fraction)
            return "\(whole).\(digits) %"
        }
    }

    func billingView(_ session: StaffSession, _ tenantID: TenantID) async throws -> BillingView {
        BillingView(try await billing.billingOverview(session.principal, tenantID: tenantID),
                    canOperate: session.principal.can(.billingOperate))
    }

    /// An invoice's PDF, for staff answering "can you send me that invoice again?".
    func invoicePDF(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let tenantID = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        let invoiceID = try Self.id(context, "invoice", as: InvoiceID.self, notFound: .invoiceNotFound)
        let bytes = try await billing.invoicePDF(session.principal, tenantID: tenantID, invoiceID: invoiceID)
        return Response(status: .ok, headers: [.contentType: "application/pdf",
                                               .contentDisposition: "inline; filename=\"invoice-\(invoiceID).pdf\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func markInvoicePaid(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await billingAction(request, context) { session, form, tenantID in
            let invoiceID = try Self.id(context, "invoice", as: InvoiceID.self, notFound: .invoiceNotFound)
            _ = try await billing.markPaid(session.principal, tenantID: tenantID, invoiceID: invoiceID, reason: form["reason"] ?? "")
            return "invoice_paid"
        }
    }

    func applyCoupon(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await billingAction(request, context) { session, form, tenantID in
            _ = try await billing.applyCoupon(session.principal, tenantID: tenantID, code: form["code"] ?? "",
                                              reason: form["reason"] ?? "")
            return "coupon_applied"
        }
    }

    /// A credit note of one line: the amount typed as a decimal in the invoice's currency
    /// ("12.50"), the reason as its description.
    func issueCreditNote(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await billingAction(request, context) { session, form, tenantID in
            let invoiceID = try Self.id(context, "invoice", as: InvoiceID.self, notFound: .invoiceNotFound)
            guard let currency = form["currency"].flatMap({ Currency(code: $0) }),
                  let amount = try? Money(decimal: (form["amount"] ?? "").trimmingCharacters(in: .whitespaces), currency: currency),
                  amount.isPositive else {
                throw AppError.validation([FieldError(field: "amount", code: "invalid_amount",
                                                      message: "Give a positive amount like 12.50, in the invoice's currency.")])
            }
            let reason = form["reason"] ?? ""
            _ = try await billing.issueCreditNote(session.principal, tenantID: tenantID, invoiceID: invoiceID, reason: reason,
                                                  lines: [CreditNote.Line(description: reason.trimmingCharacters(in: .whitespacesAndNewlines),
                                                                          amount: amount)])
            return "credit_note_issued"
        }
    }

    func voidInvoice(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await billingAction(request, context) { session, form, tenantID in
            let invoiceID = try Self.id(context, "invoice", as: InvoiceID.self, notFound: .invoiceNotFound)
            _ = try await billing.voidInvoice(session.principal, tenantID: tenantID, invoiceID: invoiceID, reason: form["reason"] ?? "")
            return "invoice_voided"
        }
    }

    func staffChangePlan(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await billingAction(request, context) { session, form, tenantID in
            _ = try await billing.changePlan(session.principal, tenantID: tenantID, planCode: form["plan"] ?? "",
                                             reason: form["reason"] ?? "")
            return "plan_changed"
        }
    }

    func extendTrial(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await billingAction(request, context) { session, form, tenantID in
            guard let days = form["days"].flatMap({ Int($0) }) else {
                throw AppError.validation([FieldError(field: "days", code: "invalid_days", message: "Extend by 1 to 90 days.")])
            }
            _ = try await billing.extendTrial(session.principal, tenantID: tenantID, days: days, reason: form["reason"] ?? "")
            return "trial_extended"
        }
    }

    func setTaxRate(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await billingAction(request, context) { session, form, tenantID in
            guard let basisPoints = form["basis_points"].flatMap({ Int($0) }) else {
                throw AppError.validation([FieldError(field: "tax_rate", code: "invalid_tax_rate",
                                                      message: "Give the rate in basis points: 2000 is 20 %.")])
            }
            _ = try await billing.setTaxRate(session.principal, tenantID: tenantID, basisPoints: basisPoints,
                                             reason: form["reason"] ?? "")
            return "tax_rate_set"
        }
    }

    /// One posted billing action on a tenant, then back to its page with a notice; a refusal
    /// (a bad reason, a paid invoice) is shown on the page, nothing is lost.
    private func billingAction(
        _ request: Request, _ context: KeelRequestContext,
        _ action: (StaffSession, AdminForm, TenantID) async throws -> String
    ) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .billingOperate)
        let tenantID = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        do {
            return redirect("/admin/tenants/\(tenantID)", done: try await action(session, form, tenantID))
        } catch let error as AppError where error.isClientError && error.code != .tenantNotFound {
            return try await tenantPage(session, tenantID, error: error.detail, status: .unprocessableContent)
        }
    }
}
