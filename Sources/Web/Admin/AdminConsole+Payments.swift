import AccountsAPI
import BillingAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel

/// One invoice's collection on its own page: every payment attempt, where dunning stands, the
/// refunds. For `billing.operate`, the payment actions (each with a reason, audited by the
/// Billing module): charge now, refund to the card, send a failed refund again.
extension AdminConsole {
    struct InvoiceView: Encodable, Sendable {
        let id: String
        let number: String
        let status: String
        let currency: String
        let total: String
        let amountDue: String
        let amountPaid: String
        let credited: String
        let issuedAt: Date?
        let dueAt: Date?
        let paidAt: Date?
        /// A draft has no PDF.
        let hasPDF: Bool
    }

    struct PaymentAttemptRow: Encodable, Sendable {
        let number: Int
        let state: String
        let trigger: String
        let amount: String
        let providerPaymentID: String?
        let failureCode: String?
        let failureMessage: String?
        let hasFailure: Bool
        let createdAt: Date
        let settledAt: Date?
    }

    struct RefundRow: Encodable, Sendable {
        let id: String
        let amount: String
        let state: String
        let reason: String
        let providerRefundID: String?
        let failureMessage: String?
        let createdAt: Date
        let failed: Bool
    }

    struct InvoicePage: Encodable, Sendable {
        let tenant: TenantView
        let invoice: InvoiceView
        let nextCollectionAt: Date?
        /// Why dunning stopped, in words (nil while it runs, or when there was nothing to do).
        let collectionStopped: String?
        let attempts: [PaymentAttemptRow]
        let refunds: [RefundRow]
        /// What is left to refund, "12.50 USD".
        let refundable: String
        let paid: Bool
        let canOperate: Bool
        let canRetryCollection: Bool
        let canRefund: Bool

        init(_ collection: InvoiceCollection, tenant: TenantView, canOperate: Bool) {
            let invoice = collection.invoice
            self.tenant = tenant
            self.invoice = InvoiceView(
                id: invoice.id.description, number: invoice.number ?? "draft", status: invoice.status.rawValue,
                currency: invoice.currency.code, total: invoice.total.description, amountDue: invoice.amountDue.description,
                amountPaid: invoice.amountPaid.description, credited: invoice.credited.description,
                issuedAt: invoice.finalizedAt, dueAt: invoice.dueAt, paidAt: invoice.paidAt, hasPDF: invoice.status != .draft)
            nextCollectionAt = collection.nextCollectionAt
            collectionStopped = collection.collectionStopped.map(Self.stopped)
            attempts = collection.attempts.map { attempt in
                PaymentAttemptRow(
                    number: attempt.number, state: attempt.state.rawValue, trigger: attempt.trigger.rawValue,
                    amount: attempt.amount.description, providerPaymentID: attempt.providerPaymentID,
                    failureCode: attempt.failureCode, failureMessage: attempt.failureMessage,
                    hasFailure: attempt.failureCode != nil || attempt.failureMessage != nil,
                    createdAt: attempt.createdAt, settledAt: attempt.settledAt)
            }
            refunds = collection.refunds.map { refund in
                RefundRow(id: refund.id.description, amount: refund.amount.description, state: refund.state.rawValue,
                          reason: refund.reason, providerRefundID: refund.providerRefundID, failureMessage: refund.failureMessage,
                          createdAt: refund.createdAt, failed: refund.state == .failed)
            }
            refundable = collection.refundable.description
            paid = invoice.status == .paid
            self.canOperate = canOperate
            canRetryCollection = canOperate && invoice.status == .open
            canRefund = canOperate && invoice.status == .paid && collection.refundable.isPositive
        }

        /// Billing's reason code in words; a code this page does not know is shown as it is.
        static func stopped(_ code: String) -> String {
            switch code {
            case "retries_spent": "retries spent"
            case "hard_decline": "stopped: the card was declined (hard decline); waiting for a new card"
            case "no_payment_method": "no card on file"
            default: code
            }
        }
    }

    func invoiceDetail(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let tenantID = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        let invoiceID = try Self.id(context, "invoice", as: InvoiceID.self, notFound: .invoiceNotFound)
        let done = request.query("done")
        // A refund the provider refused is kept (failed, with its credit note) and comes back
        // through a redirect, so a reload cannot refund twice; it still reads as an error.
        if done == "refund_failed" {
            return try await invoicePage(session, tenantID, invoiceID, error: AdminNotice.text(done))
        }
        return try await invoicePage(session, tenantID, invoiceID, notice: AdminNotice.text(done))
    }

    /// Charges an open invoice now. A decline is recorded on the invoice before staff hear of
    /// it, so the page showing the error already lists the failed attempt.
    func retryInvoiceCollection(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await paymentAction(request, context) { session, form, tenantID, invoiceID in
            _ = try await billing.retryCollection(session.principal, tenantID: tenantID, invoiceID: invoiceID,
                                                  reason: form["reason"] ?? "")
            return "collection_retried"
        }
    }

    /// A refund to the card: the amount typed as a decimal in the invoice's currency ("12.50");
    /// Billing refuses more than is left to refund.
    func refundInvoice(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await paymentAction(request, context) { session, form, tenantID, invoiceID in
            guard let currency = form["currency"].flatMap({ Currency(code: $0) }),
                  let amount = try? Money(decimal: (form["amount"] ?? "").trimmingCharacters(in: .whitespaces), currency: currency),
                  amount.isPositive else {
                throw AppError.validation([FieldError(field: "amount", code: "invalid_amount",
                                                      message: "Give a positive amount like 12.50, in the invoice's currency.")])
            }
            let refund = try await billing.refund(session.principal, tenantID: tenantID, invoiceID: invoiceID, amount: amount,
                                                  reason: form["reason"] ?? "")
            return refund.state == .failed ? "refund_failed" : "refund_sent"
        }
    }

    /// Sends a failed refund again (the same refund, the same idempotency key at the provider).
    func retryRefund(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await paymentAction(request, context, invoiceFromForm: true) { session, form, tenantID, _ in
            let refundID = try Self.id(context, "refund", as: RefundID.self, notFound: .refundNotFound)
            let refund = try await billing.retryRefund(session.principal, tenantID: tenantID, refundID: refundID,
                                                       reason: form["reason"] ?? "")
            return refund.state == .failed ? "refund_failed" : "refund_retried"
        }
    }

    /// One posted payment action on an invoice, then back to its page with a notice. A refusal
    /// (a declined card, a bad reason, too large a refund) is shown on the invoice page (422);
    /// so is the provider not answering (503): the attempt is settled later by asking it.
    private func paymentAction(
        _ request: Request, _ context: KeelRequestContext, invoiceFromForm: Bool = false,
        _ action: (StaffSession, AdminForm, TenantID, InvoiceID) async throws -> String
    ) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .billingOperate)
        let tenantID = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        let invoiceID: InvoiceID
        if invoiceFromForm {
            // A refund's address names no invoice: its form carries the one to come back to.
            guard let id = form["invoice"].flatMap({ InvoiceID($0) }) else {
                throw AppError(.invalidInput, "The form does not say which invoice it came from; go back, reload the page and try again.")
            }
            invoiceID = id
        } else {
            invoiceID = try Self.id(context, "invoice", as: InvoiceID.self, notFound: .invoiceNotFound)
        }
        do {
            let notice = try await action(session, form, tenantID, invoiceID)
            return redirect("/admin/tenants/\(tenantID)/billing/invoices/\(invoiceID)", done: notice)
        } catch let error as AppError where error.isClientError && error.code != .tenantNotFound && error.code != .invoiceNotFound {
            return try await invoicePage(session, tenantID, invoiceID, error: error.detail, status: .unprocessableContent)
        } catch let error as AppError where error.code == .paymentProviderUnavailable {
            return try await invoicePage(session, tenantID, invoiceID, error: error.detail, status: .serviceUnavailable)
        }
    }

    private func invoicePage(_ session: StaffSession, _ tenantID: TenantID, _ invoiceID: InvoiceID, notice: String? = nil,
                             error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let tenant = try await self.tenant(session, tenantID)
        let collection = try await billing.collection(session.principal, tenantID: tenantID, invoiceID: invoiceID)
        var chrome = Chrome(session, section: "tenants", notice: notice)
        chrome.error = error
        return try page("invoice", InvoicePage(collection, tenant: TenantView(tenant),
                                               canOperate: session.principal.can(.billingOperate)),
                        chrome: chrome, status: status)
    }
}
