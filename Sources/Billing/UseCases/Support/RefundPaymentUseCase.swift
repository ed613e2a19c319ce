import BillingAPI
import Foundation
import Kernel
import Storage

/// Staff give money back to the card against a paid invoice (full or partial, with a reason;
/// tenants cannot). Keel enforces refunded ≤ paid itself (the provider may not: localstripe
/// does not), issues a credit note for the amount, writes the refund `sending`, then calls the
/// provider with the refund's own key (`keel-refund-<id>`) and records the answer. `InvoiceRefunded`
/// is published with the request, as the credit note is: Billing's books move then. A provider
/// failure leaves the refund `failed`, shown on the invoice and retryable with the same key.
struct RefundPaymentUseCase {
    let db: Database
    let gateway: (any PaymentGateway)?
    let policy: BillingPolicy

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, amount: Money,
                        reason: String) async throws -> Refund {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        guard let gateway else { throw PaymentRefusal.notConfigured }
        guard amount.isPositive else {
            throw AppError.validation([FieldError(field: "amount", code: "not_positive", message: "Refund a positive amount.")])
        }
        let (refund, paymentID) = try await db.tenant(tenantID) { tx in
            guard let invoice = try await InvoiceRows.find(invoiceID, in: tx, lock: true) else {
                throw AppError(.invoiceNotFound, "There is no such invoice.")
            }
            guard invoice.status == .paid,
                  let paid = try await PaymentAttemptRows.all(invoice: invoiceID, in: tx).last(where: { $0.attempt.state == .succeeded }),
                  let paymentID = paid.attempt.providerPaymentID else {
                throw AppError(.invoiceConflict, "Only an invoice paid by card can be refunded; give money back with a credit note instead.")
            }
            guard amount.currency == invoice.currency else {
                throw AppError.validation([FieldError(field: "amount", code: "currency_mismatch",
                                                      message: "Refund in the invoice's currency, \(invoice.currency.code).")])
            }
            let refunded = Money(minorUnits: try await CollectionRows.refunded(invoiceID, in: tx), currency: invoice.currency)
            let unrefunded = try invoice.amountPaid.subtracting(refunded), uncredited = try invoice.total.subtracting(invoice.credited)
            let room = try unrefunded.isLess(than: uncredited) ? unrefunded : uncredited
            guard try !room.isLess(than: amount) else {
                throw AppError.validation([FieldError(field: "amount", code: "exceeds_paid",
                                                      message: "At most \(room.decimalString) \(room.currency.code) more can be refunded on this invoice.")])
            }
            let note = try await IssueCreditNoteStep(policy: policy)(
                invoiceID: invoiceID, reason: reason, lines: [.init(description: "Refund to the card", amount: amount)],
                applied: .zero(invoice.currency), toBalance: .zero(invoice.currency), refunded: amount, staff: principal.staffID, in: tx)
            try await CollectionRows.addRefunded(invoiceID, amount, in: tx)
            let id = RefundID.generate()
            try await RefundRows.insert(id: id, invoice: invoiceID, attempt: paid.attempt.id, creditNote: note.id, amount: amount,
                                        reason: reason, staff: principal.staffID, in: tx)
            try await tx.audit(.refundRequested, by: principal, target: "invoice/\(invoiceID)", reason: reason,
                               after: ["amount": .string(amount.description), "credit_note": .string(note.number)])
            try await tx.publish(InvoiceRefunded(tenantID: tenantID, invoiceID: invoiceID, refundID: id, number: invoice.number ?? "",
                                                 amount: amount, refundedTotal: try refunded.adding(amount),
                                                 amountPaid: invoice.amountPaid, reason: reason, occurredAt: tx.now,
                                                 invoice: try await InvoiceRows.find(invoiceID, in: tx)))
            guard let record = try await RefundRows.find(id, in: tx) else { throw AppError(.refundNotFound, "The refund is missing.") }
            return (record, paymentID)
        }
        return try await SendRefundStep(db: db, gateway: gateway)(refund, paymentID: paymentID, principal: principal, tenantID: tenantID)
    }
}
