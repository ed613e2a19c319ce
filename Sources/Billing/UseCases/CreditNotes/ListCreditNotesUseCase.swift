import BillingAPI
import Kernel
import Storage

/// The tenant's credit notes, newest first.
struct ListCreditNotesUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, page: PageRequest) async throws -> Page<CreditNote> {
        try principal.require(.billingRead)
        return try await db.tenant(principal.tenantID) { tx in try await CreditNoteRows.page(page, in: tx) }
    }
}
