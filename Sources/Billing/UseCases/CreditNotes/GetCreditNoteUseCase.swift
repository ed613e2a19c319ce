import BillingAPI
import Kernel
import Storage

/// One of the tenant's credit notes; another tenant's id is not found.
struct GetCreditNoteUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: CreditNoteID) async throws -> CreditNote {
        try principal.require(.billingRead)
        guard let note = try await db.tenant(principal.tenantID, { tx in try await CreditNoteRows.find(id, in: tx) }) else {
            throw AppError(.creditNoteNotFound, "There is no such credit note.")
        }
        return note
    }
}
