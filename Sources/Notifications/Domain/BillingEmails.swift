import BillingAPI
import Foundation
import Kernel

// The emails about a tenant's billing, sent to the billing profile's address (none without
// one). `tenantName` is the customer name on the profile.

struct TrialEndingEmail: EmailModel {
    static let kind = "trial_ending"
    let tenantName: String
    let planName: String
    let trialEnd: Date
    let hasPaymentMethod: Bool
    let billingURL: String
    let subject: String

    init(_ event: TrialEnding, links: Links) {
        tenantName = event.customerName
        planName = event.planName
        trialEnd = event.trialEnd
        hasPaymentMethod = event.hasPaymentMethod
        billingURL = links.url("billing", [:])
        subject = "Your \(planName) trial ends soon"
    }
}

struct InvoiceIssuedEmail: EmailModel {
    static let kind = "invoice_issued"
    let tenantName: String
    let number: String
    let total: String
    let amountDue: String
    let dueAt: Date?
    let invoiceURL: String
    let subject: String

    init(_ event: InvoiceFinalized, links: Links) {
        tenantName = event.customerName
        number = event.number
        total = "\(event.total.decimalString) \(event.total.currency.code)"
        amountDue = "\(event.amountDue.decimalString) \(event.amountDue.currency.code)"
        dueAt = event.dueAt
        invoiceURL = links.url("billing/invoices", ["id": event.invoiceID.description])
        subject = "Invoice \(number): \(total)"
    }
}

struct PlanChangedEmail: EmailModel {
    static let kind = "plan_changed"
    let tenantName: String
    let planName: String
    let status: String
    let occurredAt: Date
    let subject: String

    init(_ event: SubscriptionChanged) {
        tenantName = event.customerName
        planName = event.planName
        status = event.status.rawValue.replacingOccurrences(of: "_", with: " ")
        occurredAt = event.occurredAt
        subject = "Your subscription is now on \(planName)"
    }
}

/// The receipt for a collected invoice: what was paid, when and how.
struct PaymentReceivedEmail: EmailModel {
    static let kind = "payment_received"
    let tenantName: String
    let number: String
    let amount: String
    let paidWith: String
    let paidAt: Date
    let invoiceURL: String
    let subject: String

    init(_ event: PaymentSucceeded, links: Links) {
        tenantName = event.customerName
        number = event.number
        amount = "\(event.amount.decimalString) \(event.amount.currency.code)"
        paidWith = event.paidWith
        paidAt = event.paidAt
        invoiceURL = links.url("billing/invoices", ["id": event.invoiceID.description])
        subject = "Receipt for invoice \(number): \(amount)"
    }
}

/// A declined collection, and what to do about it: `nextRetryAt` nil means no retry is
/// scheduled, so only a new payment method gets the invoice paid.
struct PaymentFailedEmail: EmailModel {
    static let kind = "payment_failed"
    let tenantName: String
    let number: String
    let amount: String
    let failureMessage: String
    let nextRetryAt: Date?
    let occurredAt: Date
    let billingURL: String
    let subject: String

    init(_ event: PaymentFailed, links: Links) {
        tenantName = event.customerName
        number = event.number
        amount = "\(event.amount.decimalString) \(event.amount.currency.code)"
        failureMessage = event.failureMessage
        nextRetryAt = event.nextRetryAt
        occurredAt = event.occurredAt
        billingURL = links.url("billing", [:])
        subject = "Payment failed for invoice \(number)"
    }
}

/// The grace period ran out unpaid: the tenant must learn why access stopped and how to get
/// it back, and that nothing was deleted.
struct SubscriptionBlockedEmail: EmailModel {
    static let kind = "subscription_blocked"
    let tenantName: String
    let planName: String
    let occurredAt: Date
    let billingURL: String
    let subject: String

    init(_ event: SubscriptionChanged, links: Links) {
        tenantName = event.customerName
        planName = event.planName
        occurredAt = event.occurredAt
        billingURL = links.url("billing", [:])
        subject = "Your Keel subscription is blocked"
    }
}

/// A blocked subscription was paid: the all-clear after `SubscriptionBlockedEmail`.
struct SubscriptionRestoredEmail: EmailModel {
    static let kind = "subscription_restored"
    let tenantName: String
    let planName: String
    let occurredAt: Date
    let billingURL: String
    let subject: String

    init(_ event: SubscriptionChanged, links: Links) {
        tenantName = event.customerName
        planName = event.planName
        occurredAt = event.occurredAt
        billingURL = links.url("billing", [:])
        subject = "Your Keel subscription is active again"
    }
}
