import BillingAPI
import Foundation
import Kernel
import Logging
import Storage

/// Collects one open invoice through the provider, exactly once (docs/payments.md):
///
/// 1. In the tenant's transaction, with the invoice locked: write attempt n as `sending`
///    (one in flight per invoice: a second caller gets 409 `payment_in_progress`).
/// 2. Create the provider's payment (`<key>-create`; nothing is charged) and save its id.
/// 3. Confirm it (`<key>-confirm`: the charge).
/// 4. In the tenant's transaction, apply the answer (`ApplyPaymentOutcomeStep`).
///
/// A crash or a timeout anywhere leaves the attempt `sending`; once its lease runs out, the
/// collector settles it by asking the provider about the saved payment id, and never charges
/// again for the same attempt.
struct CollectInvoiceStep {
    let db: Database
    let gateway: any PaymentGateway
    let policy: BillingPolicy
    let failPoints: FailPoints
    let logger: Logger

    func callAsFunction(tenantID: TenantID, invoiceID: InvoiceID, trigger: PaymentAttempt.Trigger,
                        idempotency: IdempotentCompletion<PaymentAttempt>? = nil) async throws -> PaymentAttempt {
        let (record, request) = try await db.tenant(tenantID) { tx in try await begin(invoiceID, trigger: trigger, in: tx) }
        let key = record.idempotencyKey
        let outcome: PaymentOutcome
        var paymentID: String?
        do {
            let created = try await gateway.createPayment(request, idempotencyKey: key + "-create")
            paymentID = created.id
            // The attempt must still be ours to confirm: a sender slower than its lease may find
            // the collector has settled it as interrupted meanwhile, and must not charge then.
            let owned = try await db.tenant(tenantID) { tx in
                try await PaymentAttemptRows.claimProviderPayment(record.attempt.id, created.id,
                                                                  leaseUntil: tx.now.addingTimeInterval(policy.providerLease), in: tx)
            }
            guard owned else {
                _ = try? await gateway.cancel(payment: created.id, idempotencyKey: key + "-cancel")
                var error = AppError(.paymentProviderUnavailable, "The payment took too long to start and was called off; nothing was charged. Try again.")
                error.retryAfterSeconds = 5
                throw error
            }
            outcome = try await confirm(created.id, key: key)
        } catch let error as PaymentGatewayError {
            // Creating charges nothing, so whatever went wrong, the card was not charged.
            let failure: PaymentFailure
            switch error {
            case .declined(let declined):
                failure = declined
            case .rejected(_, let code, let message):
                // A request the provider will refuse again as it is (an amount below its
                // minimum, a card detached at the provider): counted, so dunning ends.
                failure = PaymentFailure(code: code ?? "provider_rejected", message: message)
            case .unavailable, .notAuthorized:
                // The provider away, or Keel's key refused (an operator's to fix): not the
                // customer's failure, so not counted; tried again after the lease.
                logger.warning("the payment provider did not take a payment", metadata: [
                    "tenant_id": "\(tenantID)", "invoice_id": "\(invoiceID)", "error": "\(error)"])
                failure = PaymentFailure(code: PaymentKeys.providerUnavailable, message: "\(error)")
            }
            return try await settle(record, .failed(failure), paymentID: nil, tenantID: tenantID, idempotency: idempotency)
        }
        failPoints.hit(FailPoints.afterCharge)
        return try await settle(record, outcome, paymentID: paymentID, tenantID: tenantID, idempotency: idempotency)
    }

    /// The charge. An answer that is not a payment (a timeout, a 5xx) leaves the outcome
    /// unknown: the attempt stays `sending` and the caller hears 503; the collector asks the
    /// provider once the lease runs out.
    private func confirm(_ paymentID: String, key: String) async throws -> PaymentOutcome {
        do throws(PaymentGatewayError) {
            return PaymentOutcome(try await gateway.confirm(payment: paymentID, idempotencyKey: key + "-confirm"))
        } catch .declined(let failure) {
            return .failed(failure)
        } catch .rejected(_, let code, let message) {
            // Already confirmed (a retry of the same attempt), or refused: the provider's record
            // decides; a payment it refused to confirm is called off and counted as failed.
            let outcome = try await ask(paymentID)
            guard outcome == .neverConfirmed else { return outcome }
            _ = try? await gateway.cancel(payment: paymentID, idempotencyKey: key + "-cancel")
            return .failed(PaymentFailure(code: code ?? "provider_rejected", message: message))
        } catch {
            var unavailable = AppError(.paymentProviderUnavailable,
                                       "The payment provider did not answer; the payment will be checked and settled shortly. Nothing is charged twice.",
                                       diagnostics: "\(error)")
            unavailable.retryAfterSeconds = policy.providerLeaseSeconds
            throw unavailable
        }
    }

    private func ask(_ paymentID: String) async throws -> PaymentOutcome {
        do { return PaymentOutcome(try await gateway.payment(paymentID)) } catch {
            throw AppError(.paymentProviderUnavailable, "The payment provider did not answer; the payment will be checked shortly.",
                           diagnostics: "\(error)")
        }
    }

    private func settle(_ record: PaymentAttemptRows.Record, _ outcome: PaymentOutcome, paymentID: String?, tenantID: TenantID,
                        idempotency: IdempotentCompletion<PaymentAttempt>?) async throws -> PaymentAttempt {
        try await db.tenant(tenantID) { tx in
            let attempt = try await ApplyPaymentOutcomeStep(policy: policy)(record.attempt.id, outcome, providerPayment: paymentID, in: tx)
            if let idempotency, attempt.state != .failed { try await tx.complete(idempotency, with: attempt) }
            return attempt
        }
    }

    /// Step 1: the attempt, written before anything is sent.
    private func begin(_ invoiceID: InvoiceID, trigger: PaymentAttempt.Trigger,
                       in tx: TenantTransaction) async throws -> (PaymentAttemptRows.Record, PaymentRequest) {
        guard let invoice = try await InvoiceRows.find(invoiceID, in: tx, lock: true) else {
            throw AppError(.invoiceNotFound, "There is no such invoice.")
        }
        guard invoice.status == .open, invoice.amountDue.isPositive else {
            throw AppError(.invoiceConflict, "Only an open invoice with something due can be paid; this one is \(invoice.status.rawValue).")
        }
        guard !(try await PaymentAttemptRows.inFlight(invoice: invoiceID, in: tx)) else {
            var error = AppError(.paymentInProgress, "A payment of this invoice is already with the provider; its outcome will show on the invoice.")
            error.retryAfterSeconds = 2
            throw error
        }
        let schedule = try await CollectionRows.state(of: invoiceID, in: tx)
        if trigger == .automatic || trigger == .retry {
            // The collector read the schedule before it took the lock: another instance (or a
            // new card) may have tried the invoice since, and moved the next try along.
            guard let next = schedule.next, next <= tx.now else {
                throw AppError(.collectionNotDue, "This invoice's next collection is not due.")
            }
        }
        let payer = try await CollectionRows.payer(in: tx)
        guard let customer = payer.customer, let method = payer.paymentMethod else {
            throw AppError(.paymentMethodRequired, "There is no card on file; add one (PUT /v1/billing/payment-method) and the invoice is charged at once.")
        }
        let number = try await PaymentAttemptRows.nextNumber(invoice: invoiceID, in: tx)
        // The collector took it: a failure schedules the next try, a success ends the schedule.
        try await CollectionRows.schedule(invoiceID, next: nil, stopped: schedule.stopped, in: tx)
        let record = try await PaymentAttemptRows.insert(invoice: invoiceID, number: number, trigger: trigger, amount: invoice.amountDue,
                                                         paymentMethod: method, leaseUntil: tx.now.addingTimeInterval(policy.providerLease),
                                                         in: tx)
        let request = PaymentRequest(amount: invoice.amountDue, customer: customer, paymentMethod: method,
                                     description: "Invoice \(invoice.number ?? invoiceID.description)",
                                     metadata: PaymentKeys.metadata(tenant: tx.tenantID, invoice: invoiceID, number: number))
        return (record, request)
    }
}

extension AppError.Code {
    /// The collector reached an invoice another instance tried first: skipped, not an error.
    static let collectionNotDue = Self("collection_not_due", kind: .conflict)
}
