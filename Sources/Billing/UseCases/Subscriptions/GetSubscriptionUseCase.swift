import BillingAPI
import Kernel
import Storage

/// The caller's tenant's live subscription.
struct GetSubscriptionUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws -> Subscription {
        try principal.require(.billingRead)
        return try await db.tenant(principal.tenantID) { tx in
            try await SubscriptionViewStep()(try await SubscriptionViewStep.live(in: tx), in: tx)
        }
    }
}
