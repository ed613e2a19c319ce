public import Foundation
public import Kernel

/// Where a subscription is in its life (the transitions are Billing's state machine).
public enum SubscriptionStatus: String, Sendable, Codable, CaseIterable {
    case trialing, active, pastDue = "past_due", blocked, canceled
}

/// A tenant's subscription: its plan version, status and current period.
public struct Subscription: Sendable, Equatable, Codable {
    public let id: SubscriptionID
    public let tenantID: TenantID
    public let plan: Plan
    public let currency: Currency
    public let status: SubscriptionStatus
    public let trialEnd: Date?
    public let currentPeriodStart: Date
    public let currentPeriodEnd: Date
    /// Cancels itself at `currentPeriodEnd` unless resumed.
    public let cancelAtPeriodEnd: Bool
    public let canceledAt: Date?
    /// A downgrade waiting for the period's end.
    public let pendingPlan: Plan?
    /// The coupon discounting its invoices, while it lasts.
    public let coupon: AppliedCoupon?
    public let version: Int

    public init(id: SubscriptionID, tenantID: TenantID, plan: Plan, currency: Currency, status: SubscriptionStatus,
                trialEnd: Date?, currentPeriodStart: Date, currentPeriodEnd: Date, cancelAtPeriodEnd: Bool,
                canceledAt: Date?, pendingPlan: Plan?, coupon: AppliedCoupon? = nil, version: Int) {
        self.coupon = coupon
        self.id = id
        self.tenantID = tenantID
        self.plan = plan
        self.currency = currency
        self.status = status
        self.trialEnd = trialEnd
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.pendingPlan = pendingPlan
        self.version = version
    }
}

/// What a plan change does, computed once for the preview and for the change itself.
public struct PlanChangePreview: Sendable, Equatable {
    public enum Timing: String, Sendable, Codable { case immediately, atPeriodEnd = "at_period_end" }
    public let from: Plan
    public let to: Plan
    public let timing: Timing
    public let effectiveAt: Date
    /// The invoice an immediate change issues (proration lines); `nil` for a change at the
    /// period's end, which bills nothing until then.
    public let invoice: InvoiceDraftPreview?

    public init(from: Plan, to: Plan, timing: Timing, effectiveAt: Date, invoice: InvoiceDraftPreview?) {
        self.from = from
        self.to = to
        self.timing = timing
        self.effectiveAt = effectiveAt
        self.invoice = invoice
    }
}

/// The lines and totals an invoice would have, before it exists.
public struct InvoiceDraftPreview: Sendable, Equatable {
    public let lines: [InvoiceLine]
    public let subtotal: Money
    public let tax: Money
    public let total: Money
    public let amountDue: Money

    public init(lines: [InvoiceLine], subtotal: Money, tax: Money, total: Money, amountDue: Money) {
        self.lines = lines
        self.subtotal = subtotal
        self.tax = tax
        self.total = total
        self.amountDue = amountDue
    }
}

public struct PlanChangeResult: Sendable, Equatable {
    public let subscription: Subscription
    /// The invoice an immediate change issued.
    public let invoice: Invoice?

    public init(subscription: Subscription, invoice: Invoice?) {
        self.subscription = subscription
        self.invoice = invoice
    }
}

/// What one pass of the scheduler did.
public struct DueWorkReport: Sendable, Equatable {
    public var trialReminders = 0
    public var trialsEnded = 0
    public var renewals = 0
    public var cancellations = 0
    public var blocked = 0
    /// Invoices the collector charged, and tries that were declined.
    public var collected = 0
    public var paymentsFailed = 0
    /// Attempts settled by asking the provider (after a crash, a timeout, or a webhook).
    public var paymentsSettled = 0

    public init() {}

    public var total: Int { trialReminders + trialsEnded + renewals + cancellations + blocked + collected + paymentsFailed + paymentsSettled }
}
