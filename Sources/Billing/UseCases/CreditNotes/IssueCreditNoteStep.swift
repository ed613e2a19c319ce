import BillingAPI
import Kernel
import Storage

/// A credit note numbered from its gap-free counter and written, with its effect on the
/// invoice (`applied` off the amount due, the whole amount added to what was credited). Where
/// the money goes — the invoice, the customer balance, the card — is the caller's to say
/// (`IssueCreditNoteUseCase`, `RefundPaymentUseCase`).
struct IssueCreditNoteStep {
    let policy: BillingPolicy

    func callAsFunction(invoiceID: InvoiceID, reason: String, lines: [CreditNote.Line], applied: Money, toBalance: Money,
                        refunded: Money, staff: StaffID?, in tx: TenantTransaction) async throws -> CreditNote {
        let amount = try applied.adding(toBalance).adding(refunded)
        let sequence = try await InvoiceCounterRows.take(issuer: policy.issuer + "-cn", in: tx)
        let note = CreditNote(id: .generate(), invoiceID: invoiceID, number: policy.creditNoteNumber(sequence), reason: reason,
                              lines: lines, amount: amount, appliedToInvoice: applied, creditedToBalance: toBalance, refunded: refunded,
                              createdAt: tx.now)
        try await CreditNoteRows.insert(note, staff: staff, in: tx)
        try await InvoiceRows.credit(invoiceID, amount: amount, applied: applied, in: tx)
        return note
    }
}
