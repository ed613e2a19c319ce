import BillingAPI
import Foundation
import Kernel
import Storage

/// Records what the provider said about an attempt, in the tenant's transaction with the
/// invoice and the attempt locked. State only moves forward: `sending` → `succeeded` or
/// `failed`, and `failed` → `succeeded` when the provider says so; a succeeded attempt never
/// fails, and an outcome applied twice changes nothing the second time. So the provider's
/// answer, the look-up after a crash, and any number of webhooks in any order converge.
///
/// A success pays the invoice (if it is still open) and settles the subscription; a failure
/// schedules the next dunning try (or stops: a hard decline, or the retries are spent), puts
/// an active subscription past due, blocks it when the retries are spent, and emails.
struct ApplyPaymentOutcomeStep {
    let policy: BillingPolicy

    func callAsFunction(_ attemptID: PaymentAttemptID, _ outcome: PaymentOutcome, providerPayment: String?,
                        in tx: TenantTransaction) async throws -> PaymentAttempt {
        guard let unlocked = try await PaymentAttemptRows.find(attemptID, in: tx) else {
            throw AppError(.internalError, "A payment attempt is missing.")
        }
        // Invoice first, then attempt: the order every path locks them in.
        guard let invoice = try await InvoiceRows.find(unlocked.attempt.invoiceID, in: tx, lock: true),
              let record = try await PaymentAttemptRows.find(attemptID, in: tx, lock: true) else {
            throw AppError(.internalError, "A payment attempt's invoice is missing.")
        }
        if let providerPayment, record.attempt.providerPaymentID == nil {
            try await PaymentAttemptRows.setProviderPayment(attemptID, providerPayment, in: tx)
        }
        switch outcome {
        case .succeeded where record.attempt.state != .succeeded:
            try await succeed(record, invoice: invoice, in: tx)
        case .failed(let failure) where record.attempt.state == .sending:
            try await fail(record, failure, invoice: invoice, in: tx)
        case .neverConfirmed where record.attempt.state == .sending:
            try await fail(record, PaymentFailure(code: PaymentKeys.interrupted, message: "Interrupted before the charge; nothing was charged."),
                           invoice: invoice, in: tx)
        case .pending where record.attempt.state == .sending:
            try await PaymentAttemptRows.extendLease(attemptID, until: tx.now.addingTimeInterval(policy.providerLease), in: tx)
        default:
            // Already settled this way (a duplicate webhook, a second look-up), or an older
            // failure arriving after the success: nothing moves backwards.
            try await PaymentAttemptRows.clearCheck(attemptID, in: tx)
        }
        guard let saved = try await PaymentAttemptRows.find(attemptID, in: tx) else {
            throw AppError(.internalError, "A payment attempt just written could not be read back.")
        }
        return saved.attempt
    }

    private func succeed(_ record: PaymentAttemptRows.Record, invoice: Invoice, in tx: TenantTransaction) async throws {
        let attempt = record.attempt
        try await PaymentAttemptRows.succeed(attempt.id, in: tx)
        guard invoice.status == .open, let number = invoice.number, attempt.amount == invoice.amountDue else {
            // Paid twice (another attempt won, or a payment made outside Keel), or a payment of
            // another amount than is due (only someone inside the provider account could make
            // one): the money is real, so it is recorded on the attempt, the invoice is left as
            // it is, and the audit log asks staff to look. (Nothing else changes an invoice
            // while a charge of it is in flight: `PaymentInFlightStep`.)
            try await tx.audit(.paymentAfterSettled, actor: nil, target: "invoice/\(invoice.id)", requestID: "billing-payments",
                               after: ["attempt": .int(attempt.number), "amount": .string(attempt.amount.description),
                                       "amount_due": .string(invoice.amountDue.description),
                                       "invoice_status": .string(invoice.status.rawValue)])
            return
        }
        try await CollectionRows.markCollected(invoice.id, amount: attempt.amount, in: tx)
        let payer = try await CollectionRows.payer(in: tx)
        let contact = try await ProfileRows.contact(in: tx)
        try await tx.audit(.paymentSucceeded, actor: nil, target: "invoice/\(invoice.id)", requestID: "billing-payments",
                           after: ["attempt": .int(attempt.number), "amount": .string(attempt.amount.description),
                                   "provider_payment": .string(attempt.providerPaymentID ?? "")])
        try await tx.publish(InvoicePaid(tenantID: tx.tenantID, invoiceID: invoice.id, number: number, amountPaid: invoice.amountDue,
                                         paidAt: tx.now, invoice: try await InvoiceRows.find(invoice.id, in: tx)))
        try await tx.publish(PaymentSucceeded(
            tenantID: tx.tenantID, invoiceID: invoice.id, number: number, amount: invoice.amountDue,
            paidWith: payer.card.map { "\($0.brand) •••• \($0.last4)" } ?? "card", paidAt: tx.now,
            customerName: contact.name, email: contact.email))
        try await SettleSubscriptionStep()(invoice.subscriptionID, in: tx)
    }

    private func fail(_ record: PaymentAttemptRows.Record, _ failure: PaymentFailure, invoice: Invoice,
                      in tx: TenantTransaction) async throws {
        try await PaymentAttemptRows.fail(record.attempt.id, failure, in: tx)
        guard invoice.status == .open, let number = invoice.number else { return }
        let counts = failure.code != PaymentKeys.providerUnavailable && failure.code != PaymentKeys.interrupted
        guard counts else {
            // Nothing was charged and the card was never asked: try again soon, at no cost to dunning.
            try await CollectionRows.schedule(invoice.id, next: tx.now.addingTimeInterval(policy.providerLease), stopped: nil, in: tx)
            return
        }
        if let card = record.paymentMethod, try await CollectionRows.payer(in: tx).paymentMethod != card {
            // A new card arrived while the old one was being charged: the old card's failure
            // says nothing about the new one, which is tried now.
            try await CollectionRows.schedule(invoice.id, next: tx.now, stopped: nil, in: tx)
            return
        }
        let failures = try await PaymentAttemptRows.dunningFailures(invoice: invoice.id, in: tx)
        let (next, stopped) = policy.dunning(after: failure, failures: failures.count, first: failures.first ?? tx.now, now: tx.now)
        try await CollectionRows.schedule(invoice.id, next: next, stopped: stopped, in: tx)
        try await tx.audit(.paymentFailed, actor: nil, target: "invoice/\(invoice.id)", requestID: "billing-payments",
                           after: ["attempt": .int(record.attempt.number), "code": .string(failure.code),
                                   "next_retry": .string(next.map { $0.formatted(.iso8601) } ?? "none")])
        let contact = try await ProfileRows.contact(in: tx)
        try await tx.publish(PaymentFailed(tenantID: tx.tenantID, invoiceID: invoice.id, number: number, amount: invoice.amountDue,
                                           failureCode: failure.code, failureMessage: failure.message,
                                           nextRetryAt: stopped == nil ? next : nil,
                                           occurredAt: tx.now, customerName: contact.name, email: contact.email,
                                           source: try await CollectionRows.source(of: invoice.id, in: tx), invoice: invoice))
        try await DunningStep(policy: policy)(invoice.subscriptionID, retriesSpent: next == nil, in: tx)
    }
}
