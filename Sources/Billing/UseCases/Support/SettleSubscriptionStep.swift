import BillingAPI
import Kernel
import Storage

/// After an invoice stops being owed (paid out of band, voided, credited to zero): a past-due
/// or blocked subscription with nothing else overdue is active again, and says so.
struct SettleSubscriptionStep {
    func callAsFunction(_ subscriptionID: SubscriptionID?, in tx: TenantTransaction) async throws {
        guard let subscriptionID, var record = try await SubscriptionRows.live(in: tx, lock: true), record.id == subscriptionID,
              record.status == .pastDue || record.status == .blocked,
              try await InvoiceRows.overdue(subscription: subscriptionID, at: tx.now, in: tx) == 0 else { return }
        let before = record
        record.status = try SubscriptionStatus.transition(from: record.status, on: .invoicePaid)
        record.pastDueSince = nil
        try await SubscriptionViewStep.publishStatusChange(from: before, to: record, in: tx)
    }
}
