public import Foundation
public import Kernel

public struct PaymentAttemptID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

public struct RefundID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// One try at collecting an invoice through the payment provider. Recorded as `sending`
/// before the provider is called; `succeeded` or `failed` once the provider's answer is known
/// (from its reply, or — after a crash or a timeout — by asking it).
public struct PaymentAttempt: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable { case sending, succeeded, failed }
    /// What started it.
    public enum Trigger: String, Sendable, Codable, CaseIterable {
        /// The invoice was issued (or a trial ended) with a card on file.
        case automatic
        /// A dunning retry on the schedule.
        case retry
        /// The customer pressed "pay" (`POST /v1/billing/invoices/{id}/pay`).
        case customer
        /// A new payment method arrived while an invoice was unpaid.
        case paymentMethod = "payment_method"
        /// Staff pressed "retry now".
        case staff
        /// The provider reported a payment Keel had not recorded (settled from its webhook).
        case provider
    }

    public let id: PaymentAttemptID
    public let invoiceID: InvoiceID
    /// 1, 2, 3… per invoice; with the invoice it names the provider calls' idempotency keys.
    public let number: Int
    public let state: State
    public let trigger: Trigger
    public let amount: Money
    /// The provider's payment (`pi_…`), once created.
    public let providerPaymentID: String?
    public let failureCode: String?
    public let failureMessage: String?
    public let createdAt: Date
    public let settledAt: Date?

    public init(id: PaymentAttemptID, invoiceID: InvoiceID, number: Int, state: State, trigger: Trigger, amount: Money,
                providerPaymentID: String?, failureCode: String?, failureMessage: String?, createdAt: Date, settledAt: Date?) {
        self.id = id
        self.invoiceID = invoiceID
        self.number = number
        self.state = state
        self.trigger = trigger
        self.amount = amount
        self.providerPaymentID = providerPaymentID
        self.failureCode = failureCode
        self.failureMessage = failureMessage
        self.createdAt = createdAt
        self.settledAt = settledAt
    }
}

/// The tenant's card on file, as the provider described it, and whether Keel collects at all.
public struct PaymentMethodInfo: Sendable, Equatable {
    public struct Card: Sendable, Equatable {
        public let id: String
        public let brand: String
        public let last4: String
        /// `MM/YYYY`.
        public let expires: String

        public init(id: String, brand: String, last4: String, expires: String) {
            self.id = id
            self.brand = brand
            self.last4 = last4
            self.expires = expires
        }
    }

    /// Off when the operator configured no payment provider (invoices are then settled by staff).
    public let collectionEnabled: Bool
    public let card: Card?

    public init(collectionEnabled: Bool, card: Card?) {
        self.collectionEnabled = collectionEnabled
        self.card = card
    }
}

/// Money given back to the card against a paid invoice, by staff, with a credit note.
public struct Refund: Sendable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable { case sending, succeeded, failed }

    public let id: RefundID
    public let invoiceID: InvoiceID
    public let creditNoteID: CreditNoteID
    public let state: State
    public let amount: Money
    public let reason: String
    public let providerRefundID: String?
    public let failureMessage: String?
    public let createdAt: Date
    public let settledAt: Date?

    public init(id: RefundID, invoiceID: InvoiceID, creditNoteID: CreditNoteID, state: State, amount: Money, reason: String,
                providerRefundID: String?, failureMessage: String?, createdAt: Date, settledAt: Date?) {
        self.id = id
        self.invoiceID = invoiceID
        self.creditNoteID = creditNoteID
        self.state = state
        self.amount = amount
        self.reason = reason
        self.providerRefundID = providerRefundID
        self.failureMessage = failureMessage
        self.createdAt = createdAt
        self.settledAt = settledAt
    }
}

/// An invoice's collection as staff see it: every attempt, the dunning schedule, refunds.
public struct InvoiceCollection: Sendable, Equatable {
    public let invoice: Invoice
    public let attempts: [PaymentAttempt]
    /// When the collector tries next (nil: nothing scheduled).
    public let nextCollectionAt: Date?
    /// Why dunning stopped, when it did: `retries_spent`, `hard_decline`, `no_payment_method`.
    public let collectionStopped: String?
    public let refunds: [Refund]
    /// What is left to refund: paid minus refunded.
    public let refundable: Money

    public init(invoice: Invoice, attempts: [PaymentAttempt], nextCollectionAt: Date?, collectionStopped: String?,
                refunds: [Refund], refundable: Money) {
        self.invoice = invoice
        self.attempts = attempts
        self.nextCollectionAt = nextCollectionAt
        self.collectionStopped = collectionStopped
        self.refunds = refunds
        self.refundable = refundable
    }
}

/// One line of a one-off invoice: something bought outside the plan (an order's line).
public struct OneOffItem: Sendable, Equatable {
    public let description: String
    public let quantity: Int
    public let unitAmount: Money

    public init(description: String, quantity: Int, unitAmount: Money) {
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
    }
}

extension AppError.Code {
    /// The card was declined (or needs authentication): the invoice stays open.
    public static let paymentDeclined = Self("payment_declined", kind: .paymentRequired)
    /// The tenant's subscription is blocked for an unpaid invoice: only paying is open.
    public static let subscriptionBlocked = Self("subscription_blocked", kind: .paymentRequired)
    /// Another attempt at this invoice is with the provider now.
    public static let paymentInProgress = Self("payment_in_progress", kind: .conflict)
    /// The operator configured no payment provider.
    public static let paymentsNotConfigured = Self("payments_not_configured", kind: .conflict)
    /// There is no card on file to charge.
    public static let paymentMethodRequired = Self("payment_method_required", kind: .conflict)
    /// The provider refused the card or the payment method id.
    public static let paymentMethodRejected = Self("payment_method_rejected", kind: .invalidInput)
    /// The provider did not answer; nothing was lost (the attempt is settled later by asking it).
    public static let paymentProviderUnavailable = Self("payment_provider_unavailable", kind: .unavailable)
    /// A provider webhook whose signature does not verify (or is too old).
    public static let webhookSignatureInvalid = Self("webhook_signature_invalid", kind: .invalidInput)
    public static let refundNotFound = Self("refund_not_found", kind: .notFound)
}
