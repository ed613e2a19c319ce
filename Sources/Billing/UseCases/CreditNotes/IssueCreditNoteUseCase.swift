import BillingAPI
import Foundation
import Kernel
import Storage

/// Staff give money back against an issued invoice, with a reason and lines. On an open
/// invoice it lowers the amount due first (settling the invoice when nothing is left); the
/// rest — or all of it, on a paid invoice — becomes customer balance that the next invoices
/// consume. Across all its credit notes an invoice is never credited more than its total.
/// Numbered like invoices, from their own gap-free counter.
struct IssueCreditNoteUseCase {
    let db: Database
    let policy: BillingPolicy

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String,
                        lines: [CreditNote.Line]) async throws -> CreditNote {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        guard !lines.isEmpty, lines.allSatisfy({ $0.amount.isPositive && !$0.description.isEmpty && $0.description.count <= 500 }) else {
            throw AppError.validation([FieldError(field: "lines", code: "invalid_lines",
                                                  message: "Give at least one line, each with a description and a positive amount.")])
        }
        return try await db.tenant(tenantID) { tx in
            guard let invoice = try await InvoiceRows.find(invoiceID, in: tx, lock: true) else {
                throw AppError(.invoiceNotFound, "There is no such invoice.")
            }
            guard invoice.status == .open || invoice.status == .paid else {
                throw AppError(.invoiceConflict, "Only an issued invoice (open or paid) can be credited; this one is \(invoice.status.rawValue).")
            }
            if invoice.status == .open { try await PaymentInFlightStep()(invoiceID, doing: "credited", in: tx) }
            guard lines.allSatisfy({ $0.amount.currency == invoice.currency }) else {
                throw AppError.validation([FieldError(field: "lines", code: "currency_mismatch",
                                                      message: "Credit in the invoice's currency, \(invoice.currency.code).")])
            }
            let amount = try Money.sum(lines.map(\.amount), currency: invoice.currency)
            let room = try invoice.total.subtracting(invoice.credited)
            guard try !room.isLess(than: amount) else {
                throw AppError.validation([FieldError(field: "lines", code: "exceeds_invoice",
                                                      message: "Credit notes can give back at most \(room.decimalString) \(room.currency.code) more on this invoice.")])
            }
            let applied = invoice.status == .open ? (try amount.isLess(than: invoice.amountDue) ? amount : invoice.amountDue)
                                                  : .zero(invoice.currency)
            let toBalance = try amount.subtracting(applied)
            let note = try await IssueCreditNoteStep(policy: policy)(invoiceID: invoiceID, reason: reason, lines: lines, applied: applied,
                                                                    toBalance: toBalance, refunded: .zero(invoice.currency),
                                                                    staff: principal.staffID, in: tx)
            if invoice.status == .open && applied == invoice.amountDue, let number = invoice.number {
                try await tx.publish(InvoicePaid(tenantID: tenantID, invoiceID: invoiceID, number: number, amountPaid: invoice.amountPaid,
                                                 paidAt: tx.now, invoice: try await InvoiceRows.find(invoiceID, in: tx)))
                try await SettleSubscriptionStep()(invoice.subscriptionID, in: tx)
            }
            if toBalance.isPositive {
                guard let profile = try await ProfileRows.find(in: tx, lock: true), profile.currency == invoice.currency else {
                    throw AppError(.invoiceConflict, "The customer balance is kept in the profile's currency; this invoice's differs.")
                }
                try await ProfileRows.adjustBalance(by: toBalance, in: tx)
            }
            try await tx.audit(.creditNoteIssued, by: principal, target: "invoice/\(invoiceID)", reason: reason,
                               after: ["credit_note": .string(note.number), "amount": .string(amount.description),
                                       "applied_to_invoice": .string(applied.description),
                                       "credited_to_balance": .string(toBalance.description)])
            return note
        }
    }
}
