import BillingAPI
import Kernel
import Storage

/// The invoice a staff action settles, locked, and only while it is open (issued, unpaid):
/// `doing` names the action in the refusal ("marked paid", "voided"), and never while a
/// charge of it is with the provider (`PaymentInFlightStep`). Run by `MarkInvoicePaidUseCase` and
/// `VoidInvoiceUseCase`.
struct LockOpenInvoiceStep {
    func callAsFunction(_ id: InvoiceID, doing: String, in tx: TenantTransaction) async throws -> (invoice: Invoice, number: String) {
        guard let invoice = try await InvoiceRows.find(id, in: tx, lock: true) else {
            throw AppError(.invoiceNotFound, "There is no such invoice.")
        }
        guard invoice.status == .open, let number = invoice.number else {
            throw AppError(.invoiceConflict, "Only an open invoice can be \(doing); this one is \(invoice.status.rawValue).")
        }
        try await PaymentInFlightStep()(id, doing: doing, in: tx)
        return (invoice, number)
    }
}
