import BillingAPI
import Kernel
import Storage

/// A failed collection's effect on the subscription, in the failing transaction: an active
/// subscription becomes past due (access continues); when the retries are spent it is blocked
/// at once (the documented rule, docs/payments.md). The caller holds the unpaid invoice locked
/// and has just re-read it open, so a tenant whose invoice is in fact paid is never blocked
/// (killbill #1997).
struct DunningStep {
    let policy: BillingPolicy

    func callAsFunction(_ subscriptionID: SubscriptionID?, retriesSpent: Bool, in tx: TenantTransaction) async throws {
        guard let subscriptionID, var record = try await SubscriptionRows.live(in: tx, lock: true), record.id == subscriptionID else { return }
        let before = record
        if record.status == .active {
            record.status = try SubscriptionStatus.transition(from: .active, on: .paymentFailed)
            record.pastDueSince = tx.now
            try await tx.audit(.pastDue, actor: nil, target: "subscription/\(record.id)", requestID: "billing-payments")
        }
        if retriesSpent, record.status == .pastDue {
            record.status = try SubscriptionStatus.transition(from: .pastDue, on: .dunningEnded)
            try await tx.audit(.blocked, actor: nil, target: "subscription/\(record.id)", requestID: "billing-payments",
                               after: ["reason": .string("dunning ended: the retries are spent, or the card was declined for good")])
        }
        guard record != before else { return }
        try await SubscriptionViewStep.publishStatusChange(from: before, to: record, in: tx)
    }
}
