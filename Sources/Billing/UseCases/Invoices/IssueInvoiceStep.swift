import BillingAPI
import Foundation
import Kernel
import Storage

/// Finalizes a draft into an open invoice in the caller's transaction: the issuer's next number
/// (gap-free, `InvoiceCounterRows`), the billing profile frozen as the customer, the due date
/// from the payment terms; publishes `InvoiceFinalized` and audits it.
struct IssueInvoiceStep {
    let policy: BillingPolicy

    struct Period {
        let start: Date
        let end: Date
        /// The subscription's paid period number (`subscription_cycle` invoices only).
        let number: Int?
    }

    func callAsFunction(_ draft: InvoiceDraft, reason: Invoice.Reason, subscription: SubscriptionID?, period: Period?,
                        profile: BillingProfile, requestID: String, actor: UserID?, in tx: TenantTransaction) async throws -> Invoice {
        // Customer balance (from credit notes) is spent before anything is due.
        let balanceApplied = try draft.balanceApplied(from: profile.balance)
        let amountDue = try draft.amountDue.subtracting(balanceApplied)
        if balanceApplied.isPositive { try await ProfileRows.adjustBalance(by: try balanceApplied.negated(), in: tx) }
        let sequence = try await InvoiceCounterRows.take(issuer: policy.issuer, in: tx)
        let customer = InvoiceCustomer(name: profile.legalName ?? "", address: profile.address, country: profile.country,
                                       taxID: profile.taxID, email: profile.email)
        let invoice = Invoice(
            id: .generate(), tenantID: tx.tenantID, subscriptionID: subscription, number: policy.invoiceNumber(sequence),
            status: amountDue.isZero ? .paid : .open, reason: reason, currency: draft.currency, lines: draft.lines,
            subtotal: draft.totals.subtotal, tax: draft.totals.tax, total: draft.totals.total, amountDue: amountDue,
            amountPaid: .zero(draft.currency), balanceApplied: balanceApplied, taxRateBasisPoints: draft.taxRateBasisPoints, periodStart: period?.start,
            periodEnd: period?.end, customer: customer, createdAt: tx.now, finalizedAt: tx.now,
            dueAt: tx.now.addingTimeInterval(policy.paymentTerms), paidAt: amountDue.isZero ? tx.now : nil,
            voidedAt: nil, version: 1)
        let saved = try await InvoiceRows.insertFinalized(invoice, periodNumber: period?.number, in: tx)
        guard let number = saved.number else { throw AppError(.internalError, "A finalized invoice has no number.") }
        let contact = (name: profile.legalName ?? ProfileRows.unnamed, email: profile.email)
        try await tx.publish(InvoiceFinalized(tenantID: tx.tenantID, invoiceID: saved.id, number: number, total: saved.total,
                                              amountDue: saved.amountDue, dueAt: saved.dueAt,
                                              customerName: contact.name, email: contact.email, invoice: saved))
        if saved.status == .open && profile.hasPaymentMethod {
            // A card on file: the collector charges it on its next pass (Payments/).
            try await CollectionRows.schedule(saved.id, next: tx.now, stopped: nil, in: tx)
        }
        if saved.status == .paid {
            try await tx.publish(InvoicePaid(tenantID: tx.tenantID, invoiceID: saved.id, number: number, amountPaid: saved.amountPaid,
                                             paidAt: saved.paidAt ?? tx.now, invoice: saved))
        }
        try await tx.audit(.invoiceFinalized, actor: actor, target: "invoice/\(saved.id)", requestID: requestID,
                           after: ["number": .string(number), "total": .string(saved.total.description),
                                   "reason": .string(reason.rawValue)])
        return saved
    }
}
