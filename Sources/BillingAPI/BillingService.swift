public import Foundation
public import Kernel

/// The Billing module's public face: the plan catalog, a tenant's subscription and invoices,
/// and the scheduler's pass. Money is `Kernel.Money`; time comes from the injected clock.
///
/// Who may call what: reading needs `billing.read`, changing needs `billing.manage` (owner and
/// billing users; admins read). The module checks again behind the edge.
public protocol BillingService: Sendable {
    /// The active plans, newest version of each code first (anyone may read the price list).
    func plans() async throws -> [Plan]

    /// The caller's tenant's live subscription.
    func subscription(_ principal: Principal) async throws -> Subscription
    /// What changing to `planCode` now would do: the same computation as `changePlan`, saved nowhere.
    func previewChange(_ principal: Principal, planCode: String) async throws -> PlanChangePreview
    /// An upgrade (a higher price per period) applies now, prorated to the second and invoiced
    /// at once; a downgrade waits for the period's end. `expectedVersion` is the `If-Match`.
    /// With `idempotency`, the rendered response is recorded in the change's own transaction.
    func changePlan(_ principal: Principal, planCode: String, expectedVersion: Int?,
                    idempotency: IdempotentCompletion<PlanChangeResult>?) async throws -> PlanChangeResult
    /// Cancels now, or at the period's end (resumable until then).
    func cancel(_ principal: Principal, atPeriodEnd: Bool, expectedVersion: Int?) async throws -> Subscription
    /// Takes back a cancellation scheduled for the period's end.
    func resume(_ principal: Principal, expectedVersion: Int?) async throws -> Subscription

    func invoices(_ principal: Principal, page: PageRequest) async throws -> Page<Invoice>
    func invoice(_ principal: Principal, id: InvoiceID) async throws -> Invoice
    /// The invoice as a PDF (issuer, customer, number, dates, lines, totals); a draft has none.
    func invoicePDF(_ principal: Principal, id: InvoiceID) async throws -> [UInt8]

    /// Applies a coupon by code to the live subscription: its discount shows on the invoices it
    /// covers. One coupon at a time; a tenant redeems a code once.
    func redeemCoupon(_ principal: Principal, code: String) async throws -> Subscription
    func creditNotes(_ principal: Principal, page: PageRequest) async throws -> Page<CreditNote>
    func creditNote(_ principal: Principal, id: CreditNoteID) async throws -> CreditNote

    func profile(_ principal: Principal) async throws -> BillingProfile
    func updateProfile(_ principal: Principal, expectedVersion: Int?, change: BillingProfileChange) async throws -> BillingProfile

    /// The card on file (the provider's description of it), and whether Keel collects at all.
    func paymentMethod(_ principal: Principal) async throws -> PaymentMethodInfo
    /// Takes a payment method the client made with the provider (`pm_…`; card data never
    /// touches Keel), attaches it to the tenant's provider customer, and charges every open
    /// invoice at once.
    func setPaymentMethod(_ principal: Principal, paymentMethod: String) async throws -> PaymentMethodInfo
    /// Charges an open invoice now: one attempt, one in flight per invoice. A decline throws
    /// `.paymentDeclined` (402) after recording it. With `idempotency`, a success's response is
    /// recorded in the transaction that records the payment.
    func pay(_ principal: Principal, invoiceID: InvoiceID, idempotency: IdempotentCompletion<PaymentAttempt>?) async throws -> PaymentAttempt
    /// The invoice's collection attempts, oldest first.
    func paymentAttempts(_ principal: Principal, invoiceID: InvoiceID) async throws -> [PaymentAttempt]
    /// A provider webhook: verifies `signature` (the `Stripe-Signature` header) over the raw
    /// `payload`, stores the event once by its id, and reacts through the outbox.
    func receiveProviderEvent(payload: [UInt8], signature: String?) async throws

    /// A one-off invoice for something bought outside the plan (an order's lines, `source`
    /// `order/<id>`), issued like any other — numbered, taxed at the profile's rate, in the
    /// profile's currency, charged by the collector when a card is on file — and once per
    /// `source`: a second call returns the first invoice. With `coupon`, the code is redeemed for
    /// `source` and discounts the items (404 `coupon_not_found`, 409 `coupon_not_redeemable`:
    /// expired, used up, another currency, or used by this tenant already). The calling module
    /// has checked the principal may act for `source`.
    func invoiceOneOff(_ principal: Principal, source: String, currency: Currency, items: [OneOffItem],
                       coupon: String?) async throws -> Invoice
    /// Charges the open invoice issued for `source` now, as `pay` does (one attempt in flight;
    /// a decline recorded, then thrown). For the module that owns `source`, which has checked
    /// the principal may.
    func payOneOff(_ principal: Principal, source: String) async throws -> PaymentAttempt
    /// Voids the open invoice issued for `source`: nothing is owed on it any more (an order
    /// canceled before it was paid). Nil when none was issued; a void one is answered as it is;
    /// a paid one, or one whose charge is with the provider, is a conflict. For the module that
    /// owns `source`, which has checked `requester` may.
    func voidOneOff(tenantID: TenantID, source: String, by requester: OneOffRequester) async throws -> Invoice?

    /// One pass of the scheduler: trial reminders and ends, renewals, scheduled cancellations
    /// and downgrades, grace periods, whatever is due by the clock. Safe to run from any number
    /// of instances at once (`keel billing run-due`, the scheduler service, tests).
    @discardableResult
    func runDue(limit: Int) async throws -> DueWorkReport
}

/// The staff console's billing actions, each audited with the staff member and their reason.
public protocol BillingSupportService: Sendable {
    /// A tenant's subscription (nil without one) and recent invoices.
    func billingOverview(_ principal: StaffPrincipal, tenantID: TenantID) async throws -> BillingOverview
    /// One of the tenant's invoices as a PDF.
    func invoicePDF(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID) async throws -> [UInt8]
    /// Every version of every plan, retired ones too, newest first.
    func catalog(_ principal: StaffPrincipal?) async throws -> [Plan]
    /// Adds a plan, or a new version of a code (the code's older versions are retired: nobody
    /// new signs up to them, existing subscribers keep them).
    func createPlanVersion(_ principal: StaffPrincipal?, _ plan: NewPlanVersion) async throws -> Plan
    /// Retires a code's active version: no new subscriptions; existing ones keep it. The
    /// default plan cannot be retired (sign-up needs one).
    func retirePlan(_ principal: StaffPrincipal?, code: String) async throws -> Plan
    /// Creates a coupon (a percentage or a fixed amount off) that tenants redeem by code.
    func createCoupon(_ principal: StaffPrincipal?, _ coupon: NewCoupon) async throws -> Coupon
    /// The coupons, newest first.
    func coupons(_ principal: StaffPrincipal?) async throws -> [Coupon]
    /// Applies a coupon to a tenant's subscription on their behalf, with a reason.
    func applyCoupon(_ principal: StaffPrincipal, tenantID: TenantID, code: String, reason: String) async throws -> Subscription
    /// Gives money back against an issued invoice, with a reason and lines (their sum is the
    /// amount); never more than the invoice's total, across all its credit notes.
    func issueCreditNote(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String,
                         lines: [CreditNote.Line]) async throws -> CreditNote
    /// Voids an open invoice (issued in error): nothing is owed on it any more; its number stays.
    func voidInvoice(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> Invoice
    /// Changes a tenant's plan on its behalf, by the same rules as the tenant's own change.
    func changePlan(_ principal: StaffPrincipal, tenantID: TenantID, planCode: String, reason: String) async throws -> PlanChangeResult
    /// Records an out-of-band payment of an open invoice (a bank transfer).
    func markPaid(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> Invoice
    /// An invoice's collection: attempts, the dunning schedule, refunds.
    func collection(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID) async throws -> InvoiceCollection
    /// Charges an open invoice now, outside the dunning schedule, with a reason.
    func retryCollection(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> PaymentAttempt
    /// Gives `amount` of a card payment back (never more than was paid), with a credit note.
    func refund(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, amount: Money, reason: String) async throws -> Refund
    /// Sends a failed refund again, with the same idempotency key.
    func retryRefund(_ principal: StaffPrincipal, tenantID: TenantID, refundID: RefundID, reason: String) async throws -> Refund
    /// Moves a trialing subscription's trial end later.
    func extendTrial(_ principal: StaffPrincipal, tenantID: TenantID, days: Int, reason: String) async throws -> Subscription
    /// Sets the tax rate (basis points: 2000 is 20 %) on the tenant's billing profile.
    func setTaxRate(_ principal: StaffPrincipal, tenantID: TenantID, basisPoints: Int, reason: String) async throws -> BillingProfile
}

public struct PlanID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

public struct SubscriptionID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

public struct InvoiceID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

extension AppError.Code {
    public static let planNotFound = Self("plan_not_found", kind: .notFound)
    public static let subscriptionNotFound = Self("subscription_not_found", kind: .notFound)
    public static let invoiceNotFound = Self("invoice_not_found", kind: .notFound)
    /// The change is not possible in the subscription's state (canceled, same plan, …).
    public static let subscriptionConflict = Self("subscription_conflict", kind: .conflict)
    /// The plan has no price in the subscription's currency.
    public static let currencyNotOffered = Self("currency_not_offered", kind: .invalidInput)
    public static let invoiceConflict = Self("invoice_conflict", kind: .conflict)
    /// This server renders no PDFs (none configured).
    public static let pdfUnavailable = Self("pdf_unavailable", kind: .unavailable)
}

/// Who asks Billing to act on a one-off invoice, for the module that owns its source: a person
/// of the tenant, or a staff member with their reason (the audit entry names either).
public enum OneOffRequester: Sendable {
    case tenant(Principal)
    case staff(StaffPrincipal, reason: String)
}
