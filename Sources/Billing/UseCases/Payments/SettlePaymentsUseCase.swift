import BillingAPI
import Foundation
import Kernel
import Logging
import Storage

/// The collector's half of the scheduler's pass (after subscriptions advance):
///
/// 1. Settle: attempts still `sending` past their lease (the instance that sent them crashed,
///    or the provider did not answer) and attempts a webhook named are settled by asking the
///    provider for the payment's current state — never by charging again. An attempt with no
///    saved payment id was never confirmed, so nothing was charged: it fails as `interrupted`.
/// 2. Collect: open invoices whose dunning schedule is due are tried (`CollectInvoiceStep`).
struct SettlePaymentsUseCase {
    let db: Database
    let platform: PlatformDatabase
    let gateway: any PaymentGateway
    let collect: CollectInvoiceStep
    let policy: BillingPolicy
    let logger: Logger

    func callAsFunction(limit: Int) async throws -> DueWorkReport {
        var report = DueWorkReport()
        let now = db.clock.now
        let unsettled = try await platform.platform("billing unsettled payments") { tx in
            try await PaymentAttemptRows.unsettled(at: now, limit: limit, in: tx)
        }
        for (tenantID, attemptID) in unsettled {
            do {
                if try await settle(attemptID, tenantID: tenantID) { report.paymentsSettled += 1 }
            } catch {
                logger.warning("a payment could not be settled yet", metadata: [
                    "tenant_id": "\(tenantID)", "attempt_id": "\(attemptID)", "error": "\(error)"])
            }
        }
        let due = try await platform.platform("billing collection due") { tx in
            try await CollectionRows.due(at: db.clock.now, limit: limit, in: tx)
        }
        for (tenantID, invoiceID, stopped) in due {
            do {
                if stopped == "hard_decline" {
                    // The card was refused for good and no new one came: dunning ends early.
                    if try await endDunning(invoiceID, tenantID: tenantID) { report.blocked += 1 }
                    continue
                }
                let attempt = try await collect(tenantID: tenantID, invoiceID: invoiceID, trigger: try await trigger(invoiceID, tenantID))
                switch attempt.state {
                case .succeeded: report.collected += 1
                case .failed: report.paymentsFailed += 1
                case .sending: break
                }
            } catch let error as AppError where error.code == .paymentMethodRequired {
                try await db.tenant(tenantID) { tx in
                    try await CollectionRows.schedule(invoiceID, next: nil, stopped: "no_payment_method", in: tx)
                }
            } catch let error as AppError where error.code == .paymentInProgress || error.code == .collectionNotDue {
                continue
            } catch {
                logger.warning("collecting an invoice failed", metadata: [
                    "tenant_id": "\(tenantID)", "invoice_id": "\(invoiceID)", "error": "\(error)"])
            }
        }
        return report
    }

    /// Blocks the subscription of a still-open invoice whose dunning stopped on a hard decline.
    private func endDunning(_ invoiceID: InvoiceID, tenantID: TenantID) async throws -> Bool {
        try await db.tenant(tenantID) { tx in
            guard let invoice = try await InvoiceRows.find(invoiceID, in: tx, lock: true), invoice.status == .open else { return false }
            let state = try await CollectionRows.state(of: invoiceID, in: tx)
            guard state.stopped == "hard_decline", let next = state.next, next <= tx.now else { return false }
            try await CollectionRows.schedule(invoiceID, next: nil, stopped: "hard_decline", in: tx)
            try await DunningStep(policy: policy)(invoice.subscriptionID, retriesSpent: true, in: tx)
            return true
        }
    }

    private func trigger(_ invoiceID: InvoiceID, _ tenantID: TenantID) async throws -> PaymentAttempt.Trigger {
        try await db.tenant(tenantID) { tx in try await PaymentAttemptRows.nextNumber(invoice: invoiceID, in: tx) } == 1 ? .automatic : .retry
    }

    /// True when the attempt reached a final state.
    private func settle(_ attemptID: PaymentAttemptID, tenantID: TenantID) async throws -> Bool {
        guard let record = try await db.tenant(tenantID, { tx in try await PaymentAttemptRows.find(attemptID, in: tx) }) else { return false }
        var outcome: PaymentOutcome
        if let paymentID = record.attempt.providerPaymentID {
            outcome = PaymentOutcome(try await gateway.payment(paymentID))
            let final = outcome != .pending && outcome != .neverConfirmed
            if record.attempt.state == .sending, record.leaseUntil > db.clock.now, !final {
                // A webhook came while the sender is still at work (its confirm may be on the
                // way): only a final answer is applied before the lease runs out.
                try await db.tenant(tenantID) { tx in try await PaymentAttemptRows.clearCheck(attemptID, in: tx) }
                return false
            }
            if outcome == .neverConfirmed, record.attempt.state == .sending {
                // Created, saved, never confirmed: cancel it so it can never be confirmed later,
                // and believe the cancel's answer, not the look-up before it (a late confirm may
                // have landed in between).
                let canceled = try await gateway.cancel(payment: paymentID, idempotencyKey: record.idempotencyKey + "-cancel")
                if canceled.status != .canceled { outcome = PaymentOutcome(try await gateway.payment(paymentID)) }
            }
        } else {
            outcome = .neverConfirmed
        }
        let attempt = try await db.tenant(tenantID) { tx in
            try await ApplyPaymentOutcomeStep(policy: policy)(attemptID, outcome, providerPayment: nil, in: tx)
        }
        return attempt.state != .sending && record.attempt.state == .sending
    }
}
