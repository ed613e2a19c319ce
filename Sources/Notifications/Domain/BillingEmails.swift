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
