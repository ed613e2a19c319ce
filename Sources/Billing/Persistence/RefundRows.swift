import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for `billing.refunds` (migration 0011) and the provider's webhook events.
enum RefundRows {
    static let columns: SQL = """
        refund_id, invoice_id, attempt_id, credit_note_id, state, currency, amount, reason, idempotency_key, provider_refund,
        failure_message, created_at, settled_at
        """

    struct Record: Sendable {
        let refund: Refund
        let attemptID: PaymentAttemptID
        let idempotencyKey: String
    }

    static func insert(id: RefundID, invoice: InvoiceID, attempt: PaymentAttemptID, creditNote: CreditNoteID, amount: Money,
                       reason: String, staff: StaffID?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into billing.refunds
                (tenant_id, refund_id, invoice_id, attempt_id, credit_note_id, state, currency, amount, reason, idempotency_key,
                 created_by_staff, created_at)
            values (\(tx.tenantID), \(id), \(invoice), \(attempt), \(creditNote), 'sending', \(amount.currency.code), \(amount.sql),
                    \(reason), \(PaymentKeys.refund(id)), \(staff), \(tx.now))
            """)
    }

    static func find(_ id: RefundID, in tx: TenantTransaction, lock: Bool = false) async throws -> Record? {
        try await tx.query("""
            select \(columns) from billing.refunds where tenant_id = \(tx.tenantID) and refund_id = \(id)
            \(unsafeRaw: lock ? "for update" : "")
            """).first.map(decode)
    }

    static func all(invoice: InvoiceID, in tx: TenantTransaction) async throws -> [Refund] {
        try await tx.query("""
            select \(columns) from billing.refunds where tenant_id = \(tx.tenantID) and invoice_id = \(invoice) order by created_at
            """).map { try decode($0).refund }
    }

    static func settle(_ id: RefundID, providerRefund: String?, failure: String?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.refunds
               set state = \(failure == nil ? "succeeded" : "failed"), provider_refund = coalesce(\(providerRefund), provider_refund),
                   failure_message = \(failure), settled_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and refund_id = \(id) and state <> 'succeeded'
            """)
    }

    /// A failed refund tried again: `sending` until the provider answers.
    static func resend(_ id: RefundID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.refunds set state = 'sending', failure_message = null, settled_at = null
             where tenant_id = \(tx.tenantID) and refund_id = \(id) and state = 'failed'
            """)
    }

    static func decode(_ row: Row) throws -> Record {
        let currency = try row.currency("currency")
        let refund = Refund(id: try row.decode("refund_id"), invoiceID: try row.decode("invoice_id"),
                            creditNoteID: try row.decode("credit_note_id"), state: try row.decode("state", as: Refund.State.self),
                            amount: try row.money("amount", currency), reason: try row.decode("reason"),
                            providerRefundID: try row.decode("provider_refund"), failureMessage: try row.decode("failure_message"),
                            createdAt: try row.decode("created_at"), settledAt: try row.decode("settled_at"))
        return Record(refund: refund, attemptID: try row.decode("attempt_id"), idempotencyKey: try row.decode("idempotency_key"))
    }
}

/// SQL for `billing.provider_events`: each webhook event stored once, by the provider's id.
enum ProviderEventRows {
    /// Stores the event; false when it was stored before (a duplicate delivery).
    static func insert(id: String, type: String, objectID: String?, payload: String, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            insert into billing.provider_events (tenant_id, event_id, type, object_id, payload, received_at)
            values (\(tx.tenantID), \(id), \(type), \(objectID), \(SQLValue.jsonb(payload)), \(tx.now))
            on conflict do nothing
            returning event_id
            """).isEmpty
    }
}
