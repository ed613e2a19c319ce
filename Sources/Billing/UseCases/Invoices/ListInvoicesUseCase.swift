import BillingAPI
import Kernel
import Storage

/// The tenant's invoices, newest first.
struct ListInvoicesUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, page: PageRequest) async throws -> Page<Invoice> {
        try principal.require(.billingRead)
        return try await db.tenant(principal.tenantID) { tx in try await InvoiceRows.page(page, in: tx) }
    }
}
