import BillingAPI
import Foundation
import Kernel
import Storage

/// Staff try a failed (or stuck) refund again: the same refund, the same key, so the provider
/// refunds once however many times it is asked.
struct RetryRefundUseCase {
    let db: Database
    let gateway: (any PaymentGateway)?
    let policy: BillingPolicy

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, refundID: RefundID, reason: String) async throws -> Refund {
        try principal.require(.billingOperate)
        let reason = try StaffReason(reason).value
        guard let gateway else { throw PaymentRefusal.notConfigured }
        let (record, paymentID) = try await db.tenant(tenantID) { tx in
            guard let record = try await RefundRows.find(refundID, in: tx, lock: true) else {
                throw AppError(.refundNotFound, "There is no such refund.")
            }
            let stuck = record.refund.state == .sending && record.refund.createdAt.addingTimeInterval(policy.providerLease) <= tx.now
            guard record.refund.state == .failed || stuck else {
                throw AppError(.invoiceConflict, "Only a failed refund can be tried again; this one is \(record.refund.state.rawValue).")
            }
            guard let attempt = try await PaymentAttemptRows.find(record.attemptID, in: tx),
                  let paymentID = attempt.attempt.providerPaymentID else {
                throw AppError(.internalError, "A refund's payment is missing.")
            }
            try await RefundRows.resend(refundID, in: tx)
            try await tx.audit(.refundRetried, by: principal, target: "invoice/\(record.refund.invoiceID)", reason: reason,
                               after: ["refund": .string(refundID.description)])
            return (record, paymentID)
        }
        return try await SendRefundStep(db: db, gateway: gateway)(record, paymentID: paymentID, principal: principal, tenantID: tenantID)
    }
}
