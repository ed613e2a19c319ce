public import Kernel

/// Every audit action the Billing module writes.
public enum BillingAuditAction: String, AuditAction {
    case trialStarted = "subscription.trial_started"
    case trialExtended = "subscription.trial_extended"
    case trialEnded = "subscription.trial_ended"
    case planChanged = "subscription.plan_changed"
    case downgradeScheduled = "subscription.downgrade_scheduled"
    case renewed = "subscription.renewed"
    case cancelScheduled = "subscription.cancel_scheduled"
    case canceled = "subscription.canceled"
    case resumed = "subscription.resumed"
    case pastDue = "subscription.past_due"
    case blocked = "subscription.blocked"
    case invoiceFinalized = "invoice.finalized"
    case invoiceMarkedPaid = "invoice.marked_paid"
    case invoiceVoided = "invoice.voided"
    case profileUpdated = "billing_profile.updated"
    case couponCreated = "coupon.created"
    case planVersionCreated = "plan.version_created"
    case planRetired = "plan.retired"
    case couponRedeemed = "subscription.coupon_redeemed"
    case creditNoteIssued = "invoice.credit_note_issued"
    case taxRateSet = "billing_profile.tax_rate_set"

    public var label: String {
        switch self {
        case .trialStarted: "Trial started"
        case .trialExtended: "Trial extended"
        case .trialEnded: "Trial ended"
        case .planChanged: "Plan changed"
        case .downgradeScheduled: "Downgrade scheduled"
        case .renewed: "Subscription renewed"
        case .cancelScheduled: "Cancellation scheduled"
        case .canceled: "Subscription canceled"
        case .resumed: "Subscription resumed"
        case .pastDue: "Subscription past due"
        case .blocked: "Subscription blocked"
        case .invoiceFinalized: "Invoice issued"
        case .invoiceMarkedPaid: "Invoice marked paid"
        case .invoiceVoided: "Invoice voided"
        case .profileUpdated: "Billing profile changed"
        case .couponCreated: "Coupon created"
        case .planVersionCreated: "Plan version created"
        case .planRetired: "Plan retired"
        case .couponRedeemed: "Coupon applied"
        case .creditNoteIssued: "Credit note issued"
        case .taxRateSet: "Tax rate set"
        }
    }
}
