import BillingAPI
import Kernel
import Storage

/// The provider call of a refund written `sending`, and its answer recorded.
struct SendRefundStep {
    let db: Database
    let gateway: any PaymentGateway

    func callAsFunction(_ record: RefundRows.Record, paymentID: String, principal: StaffPrincipal,
                        tenantID: TenantID) async throws -> Refund {
        let refund = record.refund
        var providerRefund: String?, failure: String?
        do throws(PaymentGatewayError) {
            providerRefund = try await gateway.refund(payment: paymentID, amount: refund.amount, idempotencyKey: record.idempotencyKey,
                                                      metadata: ["keel_refund_id": refund.id.description,
                                                                 "keel_invoice_id": refund.invoiceID.description])
        } catch .unavailable {
            // No answer: the refund may have gone through. It stays `sending`, shown so, and
            // staff retry it (the same key) rather than Keel guessing.
            return refund
        } catch {
            failure = "\(error)"
        }
        return try await db.tenant(tenantID) { tx in
            try await RefundRows.settle(refund.id, providerRefund: providerRefund, failure: failure, in: tx)
            try await tx.audit(.refundSettled, by: principal, target: "invoice/\(refund.invoiceID)", reason: refund.reason,
                               after: ["refund": .string(refund.id.description), "state": .string(failure == nil ? "succeeded" : "failed"),
                                       "provider_refund": .string(providerRefund ?? ""), "error": .string(failure ?? "")])
            guard let saved = try await RefundRows.find(refund.id, in: tx) else { throw AppError(.refundNotFound, "The refund is missing.") }
            return saved.refund
        }
    }
}
