public import BillingAPI
public import InvoicePDF
public import Kernel
public import Logging
public import Storage

/// The implementation of `BillingService` and `BillingSupportService`; only the composition
/// root creates it. A thin facade: each method hands its call to one use case.
///
/// Billing reacts to Accounts' events (`Events/`: every new tenant gets a trial) and publishes
/// its own (`BillingAPI/BillingEvents.swift`). Its scheduler (`Services/BillingScheduler`)
/// runs `runDue` on the injected clock.
public struct BillingModule: BillingService, BillingSupportService {
    let db: Database
    let platform: PlatformDatabase
    let policy: BillingPolicy
    let pdfs: InvoicePDFService?
    let payments: Payments?
    let logger: Logger

    /// The payment provider and its webhook secret (docs/payments.md). Without it, invoices
    /// are not collected (staff mark them paid) and the payment operations say so.
    public struct Payments: Sendable {
        let gateway: any PaymentGateway
        let webhookSecret: String?
        let failPoints: FailPoints

        public init(gateway: any PaymentGateway, webhookSecret: String?, failPoints: FailPoints = .init()) {
            self.gateway = gateway
            self.webhookSecret = webhookSecret
            self.failPoints = failPoints
        }
    }

    /// `platform` is for the scheduler's search for due work across tenants; each change then
    /// runs in the tenant's own transaction. `pdfs` renders invoice PDFs off the cooperative
    /// pool (its owner shuts it down); without it PDFs are refused.
    public init(db: Database, platform: PlatformDatabase, policy: BillingPolicy = .init(), pdfs: InvoicePDFService? = nil,
                payments: Payments? = nil, logger: Logger) {
        self.db = db
        self.platform = platform
        self.policy = policy
        self.pdfs = pdfs
        self.payments = payments
        self.logger = logger
    }

    /// Registers Billing's reactions to other modules' events and to its own provider webhooks.
    public func subscribe(into subscriptions: inout EventSubscriptions) {
        TenantTrialSubscriptions(startTrial: StartTrialStep(policy: policy)).register(into: &subscriptions)
        ProviderPaymentSubscriptions().register(into: &subscriptions)
    }

    private var collect: CollectInvoiceStep? {
        payments.map { CollectInvoiceStep(db: db, gateway: $0.gateway, policy: policy, failPoints: $0.failPoints, logger: logger) }
    }

    // MARK: Catalog

    public func plans() async throws -> [Plan] {
        try await ListPlansUseCase(platform: platform)()
    }

    // MARK: Subscription

    public func subscription(_ principal: Principal) async throws -> Subscription {
        try await GetSubscriptionUseCase(db: db)(principal)
    }

    public func previewChange(_ principal: Principal, planCode: String) async throws -> PlanChangePreview {
        try await PreviewPlanChangeUseCase(db: db)(principal, planCode: planCode)
    }

    public func changePlan(_ principal: Principal, planCode: String, expectedVersion: Int?,
                           idempotency: IdempotentCompletion<PlanChangeResult>?) async throws -> PlanChangeResult {
        try await ChangePlanUseCase(db: db, policy: policy)(principal, planCode: planCode, expectedVersion: expectedVersion,
                                                            idempotency: idempotency)
    }

    public func cancel(_ principal: Principal, atPeriodEnd: Bool, expectedVersion: Int?) async throws -> Subscription {
        try await CancelSubscriptionUseCase(db: db)(principal, atPeriodEnd: atPeriodEnd, expectedVersion: expectedVersion)
    }

    public func resume(_ principal: Principal, expectedVersion: Int?) async throws -> Subscription {
        try await ResumeSubscriptionUseCase(db: db)(principal, expectedVersion: expectedVersion)
    }

    // MARK: Invoices and profile

    public func invoices(_ principal: Principal, page: PageRequest) async throws -> Page<Invoice> {
        try await ListInvoicesUseCase(db: db)(principal, page: page)
    }

    public func invoice(_ principal: Principal, id: InvoiceID) async throws -> Invoice {
        try await GetInvoiceUseCase(db: db)(principal, id: id)
    }

    public func invoicePDF(_ principal: Principal, id: InvoiceID) async throws -> [UInt8] {
        try await RenderInvoicePDFUseCase(db: db, policy: policy, pdfs: pdfs)(principal, id: id)
    }

    public func redeemCoupon(_ principal: Principal, code: String) async throws -> Subscription {
        try await RedeemCouponUseCase(db: db)(principal, code: code)
    }

    public func creditNotes(_ principal: Principal, page: PageRequest) async throws -> Page<CreditNote> {
        try await ListCreditNotesUseCase(db: db)(principal, page: page)
    }

    public func creditNote(_ principal: Principal, id: CreditNoteID) async throws -> CreditNote {
        try await GetCreditNoteUseCase(db: db)(principal, id: id)
    }

    public func profile(_ principal: Principal) async throws -> BillingProfile {
        try await GetBillingProfileUseCase(db: db)(principal)
    }

    public func updateProfile(_ principal: Principal, expectedVersion: Int?, change: BillingProfileChange) async throws -> BillingProfile {
        try await UpdateBillingProfileUseCase(db: db)(principal, expectedVersion: expectedVersion, change: change)
    }

    public func invoiceOneOff(_ principal: Principal, source: String, currency: Currency, items: [OneOffItem],
                              coupon: String?) async throws -> Invoice {
        try await InvoiceOneOffUseCase(db: db, policy: policy)(principal, source: source, currency: currency, items: items, coupon: coupon)
    }

    public func payOneOff(_ principal: Principal, source: String) async throws -> PaymentAttempt {
        try await PayOneOffUseCase(db: db, collect: collect)(principal, source: source)
    }

    public func voidOneOff(tenantID: TenantID, source: String, by requester: OneOffRequester) async throws -> Invoice? {
        try await VoidOneOffUseCase(db: db)(tenantID: tenantID, source: source, by: requester)
    }

    // MARK: Scheduler

    @discardableResult
    public func runDue(limit: Int) async throws -> DueWorkReport {
        let settle = payments.map {
            SettlePaymentsUseCase(db: db, platform: platform, gateway: $0.gateway,
                                  collect: CollectInvoiceStep(db: db, gateway: $0.gateway, policy: policy, failPoints: $0.failPoints, logger: logger),
                                  policy: policy, logger: logger)
        }
        return try await RunDueUseCase(db: db, platform: platform, policy: policy, payments: settle, logger: logger)(limit: limit)
    }

    // MARK: Payments

    public func paymentMethod(_ principal: Principal) async throws -> PaymentMethodInfo {
        try await GetPaymentMethodUseCase(db: db, collectionEnabled: payments != nil)(principal)
    }

    public func setPaymentMethod(_ principal: Principal, paymentMethod: String) async throws -> PaymentMethodInfo {
        try await SetPaymentMethodUseCase(db: db, gateway: payments?.gateway, collect: collect, logger: logger)(principal, paymentMethod: paymentMethod)
    }

    public func pay(_ principal: Principal, invoiceID: InvoiceID,
                    idempotency: IdempotentCompletion<PaymentAttempt>?) async throws -> PaymentAttempt {
        try await PayInvoiceUseCase(db: db, collect: collect)(principal, id: invoiceID, idempotency: idempotency)
    }

    public func paymentAttempts(_ principal: Principal, invoiceID: InvoiceID) async throws -> [PaymentAttempt] {
        try await ListPaymentAttemptsUseCase(db: db)(principal, invoiceID: invoiceID)
    }

    public func receiveProviderEvent(payload: [UInt8], signature: String?) async throws {
        _ = try await ReceiveProviderEventUseCase(db: db, secret: payments?.webhookSecret)(payload: payload, signature: signature)
    }

    // MARK: Support

    public func billingOverview(_ principal: StaffPrincipal, tenantID: TenantID) async throws -> BillingOverview {
        try await BillingOverviewUseCase(db: db)(principal, tenantID: tenantID)
    }

    public func invoicePDF(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID) async throws -> [UInt8] {
        try await RenderInvoicePDFUseCase(db: db, policy: policy, pdfs: pdfs)(principal, tenantID: tenantID, id: invoiceID)
    }

    public func catalog(_ principal: StaffPrincipal?) async throws -> [Plan] {
        try await ListCatalogUseCase(platform: platform)(principal)
    }

    public func createPlanVersion(_ principal: StaffPrincipal?, _ plan: NewPlanVersion) async throws -> Plan {
        try await CreatePlanVersionUseCase(platform: platform)(principal, plan)
    }

    public func retirePlan(_ principal: StaffPrincipal?, code: String) async throws -> Plan {
        try await RetirePlanUseCase(platform: platform)(principal, code: code)
    }

    public func createCoupon(_ principal: StaffPrincipal?, _ coupon: NewCoupon) async throws -> Coupon {
        try await CreateCouponUseCase(platform: platform)(principal, coupon)
    }

    public func coupons(_ principal: StaffPrincipal?) async throws -> [Coupon] {
        try await ListCouponsUseCase(platform: platform)(principal)
    }

    public func applyCoupon(_ principal: StaffPrincipal, tenantID: TenantID, code: String, reason: String) async throws -> Subscription {
        try await ApplyCouponUseCase(db: db)(principal, tenantID: tenantID, code: code, reason: reason)
    }

    public func issueCreditNote(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String,
                                lines: [CreditNote.Line]) async throws -> CreditNote {
        try await IssueCreditNoteUseCase(db: db, policy: policy)(principal, tenantID: tenantID, invoiceID: invoiceID,
                                                                 reason: reason, lines: lines)
    }

    public func voidInvoice(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> Invoice {
        try await VoidInvoiceUseCase(db: db)(principal, tenantID: tenantID, invoiceID: invoiceID, reason: reason)
    }

    public func changePlan(_ principal: StaffPrincipal, tenantID: TenantID, planCode: String, reason: String) async throws -> PlanChangeResult {
        try await StaffChangePlanUseCase(db: db, policy: policy)(principal, tenantID: tenantID, planCode: planCode, reason: reason)
    }

    public func markPaid(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, reason: String) async throws -> Invoice {
        try await MarkInvoicePaidUseCase(db: db)(principal, tenantID: tenantID, invoiceID: invoiceID, reason: reason)
    }

    public func extendTrial(_ principal: StaffPrincipal, tenantID: TenantID, days: Int, reason: String) async throws -> Subscription {
        try await ExtendTrialUseCase(db: db)(principal, tenantID: tenantID, days: days, reason: reason)
    }

    public func collection(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID) async throws -> InvoiceCollection {
        try await InvoiceCollectionUseCase(db: db)(principal, tenantID: tenantID, invoiceID: invoiceID)
    }

    public func retryCollection(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID,
                                reason: String) async throws -> PaymentAttempt {
        try await RetryCollectionUseCase(db: db, collect: collect)(principal, tenantID: tenantID, invoiceID: invoiceID, reason: reason)
    }

    public func refund(_ principal: StaffPrincipal, tenantID: TenantID, invoiceID: InvoiceID, amount: Money,
                       reason: String) async throws -> Refund {
        try await RefundPaymentUseCase(db: db, gateway: payments?.gateway, policy: policy)(
            principal, tenantID: tenantID, invoiceID: invoiceID, amount: amount, reason: reason)
    }

    public func retryRefund(_ principal: StaffPrincipal, tenantID: TenantID, refundID: RefundID, reason: String) async throws -> Refund {
        try await RetryRefundUseCase(db: db, gateway: payments?.gateway, policy: policy)(principal, tenantID: tenantID, refundID: refundID,
                                                                                          reason: reason)
    }

    public func setTaxRate(_ principal: StaffPrincipal, tenantID: TenantID, basisPoints: Int, reason: String) async throws -> BillingProfile {
        try await SetTaxRateUseCase(db: db)(principal, tenantID: tenantID, basisPoints: basisPoints, reason: reason)
    }
}
