import BillingAPI
import Kernel
import Storage

/// Who the tenant is on its invoices.
struct GetBillingProfileUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws -> BillingProfile {
        try principal.require(.billingRead)
        guard let profile = try await db.tenant(principal.tenantID, { tx in try await ProfileRows.find(in: tx) }) else {
            throw AppError(.subscriptionNotFound, "This organisation has no billing profile yet.")
        }
        return profile
    }
}
