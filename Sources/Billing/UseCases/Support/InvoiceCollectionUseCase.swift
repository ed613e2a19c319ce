import BillingAPI
import Kernel
import Storage

/// An invoice's collection for the console: attempts with provider ids and errors, the
/// dunning schedule, refunds, and what is left to refund.
struct InvoiceCollectionUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID) async throws -> InvoiceCollection {
        try principal.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in
            guard let invoice = try await InvoiceRows.find(invoiceID, in: tx) else {
                throw AppError(.invoiceNotFound, "There is no such invoice.")
            }
            let schedule = try await CollectionRows.state(of: invoiceID, in: tx)
            let refunded = Money(minorUnits: try await CollectionRows.refunded(invoiceID, in: tx), currency: invoice.currency)
            return InvoiceCollection(invoice: invoice, attempts: try await PaymentAttemptRows.all(invoice: invoiceID, in: tx).map(\.attempt),
                                     nextCollectionAt: schedule.next, collectionStopped: schedule.stopped,
                                     refunds: try await RefundRows.all(invoice: invoiceID, in: tx),
                                     refundable: try invoice.amountPaid.subtracting(refunded))
        }
    }
}
