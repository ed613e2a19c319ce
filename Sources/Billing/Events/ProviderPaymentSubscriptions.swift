import BillingAPI
import Foundation
import Kernel
import Storage

/// A provider webhook about a payment, as stored (`ReceiveProviderEventUseCase`): Billing's
/// own event, through the outbox, so the receipt answers fast and the reaction is retried.
struct ProviderPaymentReported: IntegrationEvent, Equatable {
    static let eventType = "billing.provider_payment_reported.v1"
    let tenantID: TenantID
    let eventID: String
    let providerEventType: String
    let paymentID: String
    let invoiceID: InvoiceID?
    let attemptNumber: Int?
    let amountMinor: Int64
}

/// Billing's reaction to a provider webhook: mark the attempt the payment belongs to for a
/// look-up, which the collector does (`SettlePaymentsUseCase`: it asks the provider and applies
/// the answer). A payment Keel never recorded — the webhook outran Keel's own save, or it was
/// made elsewhere for one of Keel's invoices — gets an attempt of its own first.
struct ProviderPaymentSubscriptions {
    func register(into subscriptions: inout EventSubscriptions) {
        subscriptions.subscribe(ProviderPaymentReported.self, as: "billing.provider-payment") { event, tx in
            if let attempt = try await PaymentAttemptRows.find(providerPayment: event.paymentID, in: tx) {
                return try await PaymentAttemptRows.requestCheck(attempt.attempt.id, in: tx)
            }
            guard let invoiceID = event.invoiceID else { return }
            if let number = event.attemptNumber, let attempt = try await PaymentAttemptRows.find(invoice: invoiceID, number: number, in: tx) {
                // The webhook came before Keel saved the payment's id on its attempt.
                try await PaymentAttemptRows.setProviderPayment(attempt.attempt.id, event.paymentID, in: tx)
                return try await PaymentAttemptRows.requestCheck(attempt.attempt.id, in: tx)
            }
            guard let invoice = try await InvoiceRows.find(invoiceID, in: tx, lock: true), event.amountMinor > 0,
                  !(try await PaymentAttemptRows.inFlight(invoice: invoiceID, in: tx)) else { return }
            _ = try await PaymentAttemptRows.insert(
                invoice: invoiceID, number: try await PaymentAttemptRows.nextNumber(invoice: invoiceID, in: tx), trigger: .provider,
                amount: Money(minorUnits: event.amountMinor, currency: invoice.currency), paymentMethod: nil,
                providerPayment: event.paymentID, leaseUntil: tx.now, checkNow: true, in: tx)
        }
    }
}
