import BillingAPI
import Kernel
import Storage

/// One of the tenant's invoices; another tenant's id is not found.
struct GetInvoiceUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: InvoiceID) async throws -> Invoice {
        try principal.require(.billingRead)
        guard let invoice = try await db.tenant(principal.tenantID, { tx in try await InvoiceRows.find(id, in: tx) }) else {
            throw AppError(.invoiceNotFound, "There is no such invoice.")
        }
        return invoice
    }
}
