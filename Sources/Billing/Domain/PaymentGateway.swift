public import BillingAPI
import Foundation
public import Kernel

/// The payment provider, as Billing needs it: a customer per tenant, a card attached to it,
/// and payments in two steps — create (which charges nothing) then confirm (which charges) — so
/// the payment's id is saved before anything can be charged (docs/payments.md). Every call that
/// changes something carries an idempotency key the caller derives from its own records, never
/// a random one: the same attempt retried is the same request to the provider.
///
/// One adapter speaks Stripe's HTTP API (`Adapters/StripeGateway`); the tests run it against
/// localstripe, a stateful fake Stripe server.
public protocol PaymentGateway: Sendable {
    func createCustomer(tenantID: TenantID, name: String, email: String?, idempotencyKey: String) async throws(PaymentGatewayError) -> String
    /// Attaches a payment method the client made with the provider to the customer; returns how
    /// the provider describes it. A card the provider refuses is `.declined`.
    func attach(paymentMethod: String, customer: String, idempotencyKey: String) async throws(PaymentGatewayError) -> PaymentMethodInfo.Card
    /// Creates a payment (nothing is charged yet), tagged with the invoice and attempt.
    func createPayment(_ request: PaymentRequest, idempotencyKey: String) async throws(PaymentGatewayError) -> ProviderPayment
    /// Charges a created payment. A decline is `.declined`; the payment then reads
    /// `requiresPaymentMethod` with the failure.
    func confirm(payment id: String, idempotencyKey: String) async throws(PaymentGatewayError) -> ProviderPayment
    /// The payment as the provider holds it now.
    func payment(_ id: String) async throws(PaymentGatewayError) -> ProviderPayment
    /// Cancels a payment that was never confirmed.
    func cancel(payment id: String, idempotencyKey: String) async throws(PaymentGatewayError) -> ProviderPayment
    /// Gives `amount` of a succeeded payment back, tagged with `metadata` (`keel_refund_id`).
    func refund(payment id: String, amount: Money, idempotencyKey: String,
                metadata: [String: String]) async throws(PaymentGatewayError) -> String
}

/// What Billing asks the provider to charge.
public struct PaymentRequest: Sendable, Equatable {
    public let amount: Money
    public let customer: String
    public let paymentMethod: String
    public let description: String
    /// Tagged on the provider's payment, so it can be traced back (`keel_tenant_id`,
    /// `keel_invoice_id`, `keel_attempt`): webhooks carry it.
    public let metadata: [String: String]

    public init(amount: Money, customer: String, paymentMethod: String, description: String, metadata: [String: String]) {
        self.amount = amount
        self.customer = customer
        self.paymentMethod = paymentMethod
        self.description = description
        self.metadata = metadata
    }
}

/// A payment as the provider reports it.
public struct ProviderPayment: Sendable, Equatable {
    public enum Status: String, Sendable {
        case requiresPaymentMethod = "requires_payment_method"
        case requiresConfirmation = "requires_confirmation"
        case requiresAction = "requires_action"
        case processing
        case requiresCapture = "requires_capture"
        case succeeded
        case canceled
    }

    public let id: String
    public let status: Status
    public let amountMinor: Int64
    public let currency: String
    public let metadata: [String: String]
    /// Why the last charge failed (`card_declined`, …), when it did.
    public let failure: PaymentFailure?

    public init(id: String, status: Status, amountMinor: Int64, currency: String, metadata: [String: String], failure: PaymentFailure?) {
        self.id = id
        self.status = status
        self.amountMinor = amountMinor
        self.currency = currency
        self.metadata = metadata
        self.failure = failure
    }
}

/// A refused charge: the provider's code and message, and whether retrying the same card is
/// pointless (a hard decline: stolen, closed, `card_declined` with no new card).
public struct PaymentFailure: Sendable, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// Declines that a retry of the same card will not turn around: dunning stops retrying
    /// them until a new payment method arrives. `card_declined` is the provider's code when it
    /// gives no reason (localstripe never does); Stripe's `generic_decline` or
    /// `insufficient_funds` are soft, retried on the schedule.
    public var isHardDecline: Bool {
        ["card_declined", "expired_card", "incorrect_number", "invalid_cvc", "stolen_card", "lost_card",
         "fraudulent", "pickup_card", "restricted_card", "authentication_required"].contains(code)
    }
}

/// Why a provider call did not do what was asked.
public enum PaymentGatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The provider refused the card (HTTP 402).
    case declined(PaymentFailure)
    /// The provider refused the request (400, 404, 409): a bug or a stale id, not worth retrying as is.
    case rejected(status: Int, code: String?, message: String)
    /// The key was refused (401, 403): an operator must fix the configuration.
    case notAuthorized(String)
    /// No answer, or one that says "later" (429, 5xx, timeouts, refused connections): whether
    /// anything happened is unknown until the provider is asked again.
    case unavailable(String)

    public var description: String {
        switch self {
        case .declined(let failure): "declined (\(failure.code)): \(failure.message)"
        case let .rejected(status, code, message): "rejected (\(status)\(code.map { ", \($0)" } ?? "")): \(message)"
        case .notAuthorized(let message): "not authorized: \(message)"
        case .unavailable(let message): "unavailable: \(message)"
        }
    }
}
