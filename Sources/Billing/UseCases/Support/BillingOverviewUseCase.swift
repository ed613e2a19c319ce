import BillingAPI
import Kernel
import Storage

/// A tenant's billing as support sees it, read in the tenant's own transaction.
struct BillingOverviewUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID) async throws -> BillingOverview {
        try principal.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in
            let subscription = try await SubscriptionRows.live(in: tx).asyncMap { try await SubscriptionViewStep()($0, in: tx) }
            let profile = try await ProfileRows.find(in: tx)
                ?? BillingProfile(currency: .usd, email: nil, legalName: nil, address: nil, country: nil, taxID: nil, taxRateBasisPoints: 0,
                                  hasPaymentMethod: false, version: 0)
            return BillingOverview(subscription: subscription, profile: profile,
                                   invoices: try await InvoiceRows.page(PageRequest(limit: 50), in: tx).items)
        }
    }
}
