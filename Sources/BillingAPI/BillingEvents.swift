public import Foundation
public import Kernel

// Integration events Billing publishes, each in the transaction of its change. Each carries
// what a reactor needs (plan name, amounts, dates, and where billing emails go: the profile's
// `email`, nil when there is none), so Notifications renders without calling back into Billing.

/// A tenant's trial began (the signup saga's second step).
public struct TrialStarted: IntegrationEvent, Equatable {
    public static let eventType = "billing.trial_started.v1"
    public let tenantID: TenantID
    public let subscriptionID: SubscriptionID
    public let planCode: String
    public let planName: String
    public let trialEnd: Date
    /// Users the plan allows (`nil`: unlimited).
    public let seats: Int?

    public init(tenantID: TenantID, subscriptionID: SubscriptionID, planCode: String, planName: String, trialEnd: Date,
                seats: Int? = nil) {
        self.seats = seats
        self.tenantID = tenantID
        self.subscriptionID = subscriptionID
        self.planCode = planCode
        self.planName = planName
        self.trialEnd = trialEnd
    }
}

/// A trial ends in a few days (published once per subscription).
public struct TrialEnding: IntegrationEvent, Equatable {
    public static let eventType = "billing.trial_ending.v1"
    public let tenantID: TenantID
    public let subscriptionID: SubscriptionID
    public let planName: String
    public let trialEnd: Date
    public let hasPaymentMethod: Bool
    public let customerName: String
    public let email: String?
    /// The subscription once the event's change is made (absent from events stored before it
    /// was added): what a webhook sends as `data`.
    public let subscription: Subscription?

    public init(tenantID: TenantID, subscriptionID: SubscriptionID, planName: String, trialEnd: Date, hasPaymentMethod: Bool,
                customerName: String, email: String?, subscription: Subscription? = nil) {
        self.subscription = subscription
        self.tenantID = tenantID
        self.subscriptionID = subscriptionID
        self.planName = planName
        self.trialEnd = trialEnd
        self.hasPaymentMethod = hasPaymentMethod
        self.customerName = customerName
        self.email = email
    }
}

/// A subscription's plan or status changed (plan change, trial end, past due, blocked,
/// canceled, resumed).
public struct SubscriptionChanged: IntegrationEvent, Equatable {
    public static let eventType = "billing.subscription_changed.v1"
    public let tenantID: TenantID
    public let subscriptionID: SubscriptionID
    public let planCode: String
    public let planName: String
    public let previousPlanCode: String?
    public let status: SubscriptionStatus
    public let previousStatus: SubscriptionStatus
    public let occurredAt: Date
    public let customerName: String
    public let email: String?
    /// The subscription's version after the change: with the subscription's id (time-ordered),
    /// it orders changes that arrive out of order, as a transaction's start time cannot.
    public let version: Int?
    /// Users the (new) plan allows (`nil`: unlimited).
    public let seats: Int?
    /// The subscription once the event's change is made (absent from events stored before it
    /// was added): what a webhook sends as `data`.
    public let subscription: Subscription?

    public init(tenantID: TenantID, subscriptionID: SubscriptionID, planCode: String, planName: String,
                previousPlanCode: String?, status: SubscriptionStatus, previousStatus: SubscriptionStatus, occurredAt: Date,
                customerName: String, email: String?, version: Int?, seats: Int? = nil, subscription: Subscription? = nil) {
        self.subscription = subscription
        self.seats = seats
        self.version = version
        self.customerName = customerName
        self.email = email
        self.tenantID = tenantID
        self.subscriptionID = subscriptionID
        self.planCode = planCode
        self.planName = planName
        self.previousPlanCode = previousPlanCode
        self.status = status
        self.previousStatus = previousStatus
        self.occurredAt = occurredAt
    }
}

/// An invoice was finalized: it has its number and is due.
public struct InvoiceFinalized: IntegrationEvent, Equatable {
    public static let eventType = "billing.invoice_finalized.v1"
    public let tenantID: TenantID
    public let invoiceID: InvoiceID
    public let number: String
    public let total: Money
    public let amountDue: Money
    public let dueAt: Date?
    public let customerName: String
    public let email: String?
    /// The invoice once the event's change is made (absent from events stored before it was
    /// added): what a webhook sends as `data`.
    public let invoice: Invoice?

    public init(tenantID: TenantID, invoiceID: InvoiceID, number: String, total: Money, amountDue: Money, dueAt: Date?,
                customerName: String, email: String?, invoice: Invoice? = nil) {
        self.invoice = invoice
        self.customerName = customerName
        self.email = email
        self.tenantID = tenantID
        self.invoiceID = invoiceID
        self.number = number
        self.total = total
        self.amountDue = amountDue
        self.dueAt = dueAt
    }
}

/// An invoice was paid: collected by the provider, marked paid by staff, or credited to zero.
public struct InvoicePaid: IntegrationEvent, Equatable {
    public static let eventType = "billing.invoice_paid.v1"
    public let tenantID: TenantID
    public let invoiceID: InvoiceID
    public let number: String
    public let amountPaid: Money
    public let paidAt: Date
    /// The invoice once the event's change is made (absent from events stored before it was
    /// added): what a webhook sends as `data`.
    public let invoice: Invoice?

    public init(tenantID: TenantID, invoiceID: InvoiceID, number: String, amountPaid: Money, paidAt: Date, invoice: Invoice? = nil) {
        self.invoice = invoice
        self.tenantID = tenantID
        self.invoiceID = invoiceID
        self.number = number
        self.amountPaid = amountPaid
        self.paidAt = paidAt
    }
}

/// An open invoice was voided: nothing is owed on it any more.
public struct InvoiceVoided: IntegrationEvent, Equatable {
    public static let eventType = "billing.invoice_voided.v1"
    public let tenantID: TenantID
    public let invoiceID: InvoiceID
    public let number: String
    public let voidedAt: Date
    /// The invoice once the event's change is made (absent from events stored before it was
    /// added): what a webhook sends as `data`.
    public let invoice: Invoice?

    public init(tenantID: TenantID, invoiceID: InvoiceID, number: String, voidedAt: Date, invoice: Invoice? = nil) {
        self.invoice = invoice
        self.tenantID = tenantID
        self.invoiceID = invoiceID
        self.number = number
        self.voidedAt = voidedAt
    }
}

/// The provider collected an invoice: the receipt.
public struct PaymentSucceeded: IntegrationEvent, Equatable {
    public static let eventType = "billing.payment_succeeded.v1"
    public let tenantID: TenantID
    public let invoiceID: InvoiceID
    public let number: String
    public let amount: Money
    /// How it was paid, as the receipt shows it: "visa •••• 4242".
    public let paidWith: String
    public let paidAt: Date
    public let customerName: String
    public let email: String?

    public init(tenantID: TenantID, invoiceID: InvoiceID, number: String, amount: Money, paidWith: String, paidAt: Date,
                customerName: String, email: String?) {
        self.tenantID = tenantID
        self.invoiceID = invoiceID
        self.number = number
        self.amount = amount
        self.paidWith = paidWith
        self.paidAt = paidAt
        self.customerName = customerName
        self.email = email
    }
}

/// A collection attempt failed: the card was declined. `nextRetryAt` is the dunning schedule's
/// next try (nil when none is left: a hard decline waits for a new card, or the retries are spent).
public struct PaymentFailed: IntegrationEvent, Equatable {
    public static let eventType = "billing.payment_failed.v1"
    public let tenantID: TenantID
    public let invoiceID: InvoiceID
    public let number: String
    public let amount: Money
    public let failureCode: String
    public let failureMessage: String
    public let nextRetryAt: Date?
    public let occurredAt: Date
    public let customerName: String
    public let email: String?
    /// What the invoice was issued for, when another module asked for it (`order/<id>`): that
    /// module tells the customer about the failure in its own words.
    public let source: String?
    /// The invoice once the event's change is made (absent from events stored before it was
    /// added): what a webhook sends as `data`.
    public let invoice: Invoice?

    public init(tenantID: TenantID, invoiceID: InvoiceID, number: String, amount: Money, failureCode: String, failureMessage: String,
                nextRetryAt: Date?, occurredAt: Date, customerName: String, email: String?, source: String? = nil,
                invoice: Invoice? = nil) {
        self.invoice = invoice
        self.source = source
        self.tenantID = tenantID
        self.invoiceID = invoiceID
        self.number = number
        self.amount = amount
        self.failureCode = failureCode
        self.failureMessage = failureMessage
        self.nextRetryAt = nextRetryAt
        self.occurredAt = occurredAt
        self.customerName = customerName
        self.email = email
    }
}

/// Money went back to the card against a paid invoice (a staff refund; its credit note was
/// issued with it). `refundedTotal` is everything refunded on the invoice so far, so a reactor
/// applying it twice, or out of order, lands in the same place.
public struct InvoiceRefunded: IntegrationEvent, Equatable {
    public static let eventType = "billing.invoice_refunded.v1"
    public let tenantID: TenantID
    public let invoiceID: InvoiceID
    public let refundID: RefundID
    public let number: String
    public let amount: Money
    public let refundedTotal: Money
    public let amountPaid: Money
    public let reason: String
    public let occurredAt: Date
    /// The invoice once the event's change is made (absent from events stored before it was
    /// added): what a webhook sends as `data`.
    public let invoice: Invoice?

    public init(tenantID: TenantID, invoiceID: InvoiceID, refundID: RefundID, number: String, amount: Money, refundedTotal: Money,
                amountPaid: Money, reason: String, occurredAt: Date, invoice: Invoice? = nil) {
        self.invoice = invoice
        self.tenantID = tenantID
        self.invoiceID = invoiceID
        self.refundID = refundID
        self.number = number
        self.amount = amount
        self.refundedTotal = refundedTotal
        self.amountPaid = amountPaid
        self.reason = reason
        self.occurredAt = occurredAt
    }
}

/// An event about one invoice, carrying it as it is once the change is made: webhooks declare
/// every such event the same way.
public protocol InvoiceIntegrationEvent: IntegrationEvent {
    var tenantID: TenantID { get }
    var invoiceID: InvoiceID { get }
    var invoice: Invoice? { get }
}

extension InvoiceFinalized: InvoiceIntegrationEvent {}
extension InvoicePaid: InvoiceIntegrationEvent {}
extension InvoiceVoided: InvoiceIntegrationEvent {}
extension PaymentFailed: InvoiceIntegrationEvent {}
extension InvoiceRefunded: InvoiceIntegrationEvent {}

/// An event about the tenant's subscription, carrying it as it is once the change is made.
public protocol SubscriptionIntegrationEvent: IntegrationEvent {
    var tenantID: TenantID { get }
    var subscriptionID: SubscriptionID { get }
    var subscription: Subscription? { get }
}

extension TrialEnding: SubscriptionIntegrationEvent {}
extension SubscriptionChanged: SubscriptionIntegrationEvent {}
