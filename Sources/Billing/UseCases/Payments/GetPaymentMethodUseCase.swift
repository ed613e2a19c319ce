import BillingAPI
import Kernel
import Storage

/// The card on file, and whether Keel collects at all.
struct GetPaymentMethodUseCase {
    let db: Database
    let collectionEnabled: Bool

    func callAsFunction(_ principal: Principal) async throws -> PaymentMethodInfo {
        try principal.require(.billingRead)
        let card = try await db.tenant(principal.tenantID) { tx in try await CollectionRows.payer(in: tx).card }
        return PaymentMethodInfo(collectionEnabled: collectionEnabled, card: card)
    }
}
