import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for `billing.payment_attempts`: an invoice's collection attempts, each written before
/// the provider is called (migration 0011).
enum PaymentAttemptRows {
    static let columns: SQL = """
        attempt_id, invoice_id, attempt_number, state, trigger, idempotency_key, currency, amount, payment_method,
        provider_payment, failure_code, failure_message, hard_decline, lease_until, created_at, settled_at
        """

    /// An attempt with what the use cases need beyond the public view.
    struct Record: Sendable {
        var attempt: PaymentAttempt
        let idempotencyKey: String
        let paymentMethod: String?
        let hardDecline: Bool
        let leaseUntil: Date
    }

    /// Writes attempt `number` of the invoice as `sending`. The partial unique index
    /// `payment_attempts_one_in_flight` refuses a second one while another is in flight.
    static func insert(invoice: InvoiceID, number: Int, trigger: PaymentAttempt.Trigger, amount: Money, paymentMethod: String?,
                       providerPayment: String? = nil, leaseUntil: Date, checkNow: Bool = false,
                       in tx: TenantTransaction) async throws -> Record {
        let id = PaymentAttemptID.generate()
        let rows = try await tx.query("""
            insert into billing.payment_attempts
                (tenant_id, attempt_id, invoice_id, attempt_number, state, trigger, idempotency_key, currency, amount,
                 payment_method, provider_payment, lease_until, check_requested_at, created_at)
            values (\(tx.tenantID), \(id), \(invoice), \(number), 'sending', \(trigger.rawValue),
                    \(PaymentKeys.attempt(invoice: invoice, number: number)), \(amount.currency.code), \(amount.sql),
                    \(paymentMethod), \(providerPayment), \(leaseUntil), \(checkNow ? tx.now : nil), \(tx.now))
            returning \(columns)
            """)
        return try decode(rows[0])
    }

    static func find(_ id: PaymentAttemptID, in tx: TenantTransaction, lock: Bool = false) async throws -> Record? {
        try await tx.query("""
            select \(columns) from billing.payment_attempts where tenant_id = \(tx.tenantID) and attempt_id = \(id)
            \(unsafeRaw: lock ? "for update" : "")
            """).first.map(decode)
    }

    static func find(providerPayment: String, in tx: TenantTransaction, lock: Bool = false) async throws -> Record? {
        try await tx.query("""
            select \(columns) from billing.payment_attempts where tenant_id = \(tx.tenantID) and provider_payment = \(providerPayment)
            \(unsafeRaw: lock ? "for update" : "")
            """).first.map(decode)
    }

    static func find(invoice: InvoiceID, number: Int, in tx: TenantTransaction, lock: Bool = false) async throws -> Record? {
        try await tx.query("""
            select \(columns) from billing.payment_attempts
             where tenant_id = \(tx.tenantID) and invoice_id = \(invoice) and attempt_number = \(number)
            \(unsafeRaw: lock ? "for update" : "")
            """).first.map(decode)
    }

    /// Oldest first.
    static func all(invoice: InvoiceID, in tx: TenantTransaction) async throws -> [Record] {
        try await tx.query("""
            select \(columns) from billing.payment_attempts where tenant_id = \(tx.tenantID) and invoice_id = \(invoice)
             order by attempt_number
            """).map(decode)
    }

    static func inFlight(invoice: InvoiceID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            select 1 from billing.payment_attempts where tenant_id = \(tx.tenantID) and invoice_id = \(invoice) and state = 'sending'
            """).isEmpty
    }

    static func nextNumber(invoice: InvoiceID, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            select coalesce(max(attempt_number), 0) + 1 as n from billing.payment_attempts
             where tenant_id = \(tx.tenantID) and invoice_id = \(invoice)
            """).first?.decode("n") ?? 1
    }

    /// The failures that count towards dunning (not the provider's outages), and when the first was.
    static func dunningFailures(invoice: InvoiceID, in tx: TenantTransaction) async throws -> (count: Int, first: Date?) {
        let row = try await tx.query("""
            select count(*)::int as n, min(settled_at) as first from billing.payment_attempts
             where tenant_id = \(tx.tenantID) and invoice_id = \(invoice) and state = 'failed'
               and failure_code not in (\(PaymentKeys.providerUnavailable), \(PaymentKeys.interrupted))
            """)[0]
        return (try row.decode("n"), try row.decode("first"))
    }

    /// Saves the provider's payment on an attempt still in flight, and renews its lease for the
    /// confirm to come; false when the attempt was settled meanwhile (its sender must not confirm).
    static func claimProviderPayment(_ id: PaymentAttemptID, _ payment: String, leaseUntil: Date,
                                     in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            update billing.payment_attempts set provider_payment = \(payment), lease_until = \(leaseUntil)
             where tenant_id = \(tx.tenantID) and attempt_id = \(id) and state = 'sending' and provider_payment is null
            returning attempt_id
            """).isEmpty
    }

    static func setProviderPayment(_ id: PaymentAttemptID, _ payment: String, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.payment_attempts set provider_payment = \(payment)
             where tenant_id = \(tx.tenantID) and attempt_id = \(id) and provider_payment is null
            """)
    }

    static func succeed(_ id: PaymentAttemptID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.payment_attempts
               set state = 'succeeded', failure_code = null, failure_message = null, hard_decline = false,
                   settled_at = \(tx.now), check_requested_at = null
             where tenant_id = \(tx.tenantID) and attempt_id = \(id)
            """)
    }

    static func fail(_ id: PaymentAttemptID, _ failure: PaymentFailure, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.payment_attempts
               set state = 'failed', failure_code = \(failure.code), failure_message = \(failure.message),
                   hard_decline = \(failure.isHardDecline), settled_at = \(tx.now), check_requested_at = null
             where tenant_id = \(tx.tenantID) and attempt_id = \(id) and state = 'sending'
            """)
    }

    /// The provider has not decided yet (`processing`): look again after `until`.
    static func extendLease(_ id: PaymentAttemptID, until: Date, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.payment_attempts set lease_until = \(until), check_requested_at = null
             where tenant_id = \(tx.tenantID) and attempt_id = \(id)
            """)
    }

    /// The look-up a webhook asked for is done (or not needed: nothing would change).
    static func clearCheck(_ id: PaymentAttemptID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.payment_attempts set check_requested_at = null
             where tenant_id = \(tx.tenantID) and attempt_id = \(id) and check_requested_at is not null
            """)
    }

    /// A provider webhook spoke about this attempt's payment: the collector asks the provider.
    static func requestCheck(_ id: PaymentAttemptID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.payment_attempts set check_requested_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and attempt_id = \(id)
            """)
    }

    /// Attempts to settle by asking the provider, across tenants: in flight past their lease
    /// (the instance that sent them crashed or timed out), or named by a webhook.
    static func unsettled(at now: Date, limit: Int, in tx: PlatformTransaction) async throws -> [(TenantID, PaymentAttemptID)] {
        try await tx.query("""
            select tenant_id, attempt_id from billing.payment_attempts
             where (state = 'sending' and lease_until <= \(now)) or check_requested_at is not null
             order by created_at limit \(limit)
            """).map { (try $0.decode("tenant_id"), try $0.decode("attempt_id")) }
    }

    static func decode(_ row: Row) throws -> Record {
        let currency = try row.currency("currency")
        let attempt = PaymentAttempt(
            id: try row.decode("attempt_id"), invoiceID: try row.decode("invoice_id"), number: try row.decode("attempt_number"),
            state: try row.decode("state", as: PaymentAttempt.State.self),
            trigger: try row.decode("trigger", as: PaymentAttempt.Trigger.self), amount: try row.money("amount", currency),
            providerPaymentID: try row.decode("provider_payment"), failureCode: try row.decode("failure_code"),
            failureMessage: try row.decode("failure_message"), createdAt: try row.decode("created_at"),
            settledAt: try row.decode("settled_at"))
        return Record(attempt: attempt, idempotencyKey: try row.decode("idempotency_key"), paymentMethod: try row.decode("payment_method"),
                      hardDecline: try row.decode("hard_decline"), leaseUntil: try row.decode("lease_until"))
    }
}
