import BillingAPI
import Kernel
import Storage

/// The invoice's collection attempts, oldest first.
struct ListPaymentAttemptsUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, invoiceID: InvoiceID) async throws -> [PaymentAttempt] {
        try principal.require(.billingRead)
        return try await db.tenant(principal.tenantID) { tx in
            guard try await InvoiceRows.find(invoiceID, in: tx) != nil else {
                throw AppError(.invoiceNotFound, "There is no such invoice.")
            }
            return try await PaymentAttemptRows.all(invoice: invoiceID, in: tx).map(\.attempt)
        }
    }
}
