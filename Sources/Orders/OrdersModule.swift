public import BillingAPI
public import Kernel
public import OrdersAPI
public import Storage

/// The implementation of `OrdersService` and `OrdersSupportService`; only the composition root creates it. A thin
/// facade: each method hands its call to one use case. Orders asks Billing to invoice and
/// charge (`BillingService`) and hears what happened to its invoices (`Events/`).
public struct OrdersModule: OrdersService, OrdersSupportService {
    let db: Database
    let platform: PlatformDatabase
    let billing: any BillingService
    let billingSupport: any BillingSupportService

    public init(db: Database, platform: PlatformDatabase, billing: any BillingService, billingSupport: any BillingSupportService) {
        self.db = db
        self.platform = platform
        self.billing = billing
        self.billingSupport = billingSupport
    }

    /// Registers Orders' reactions to Billing's events about its invoices and Notifications'
    /// about the emails and webhooks it sent about orders.
    public func subscribe(into subscriptions: inout EventSubscriptions) {
        BillingPaymentSubscriptions().register(into: &subscriptions)
        NotificationSubscriptions().register(into: &subscriptions)
    }

    public func place(_ principal: Principal, id: OrderID, expectedVersion: Int?) async throws -> Order {
        try await PlaceOrderUseCase(db: db, billing: billing)(principal, id: id, expectedVersion: expectedVersion)
    }

    public func pay(_ principal: Principal, id: OrderID, idempotency: IdempotentCompletion<Order>?) async throws -> Order {
        try await PayOrderUseCase(db: db, billing: billing)(principal, id: id, idempotency: idempotency)
    }

    public func products() async throws -> [Product] {
        try await ListProductsUseCase(platform: platform)()
    }

    public func createDraft(_ principal: Principal, currency: String, lines: [NewOrderLine], coupon: String?,
                            idempotency: IdempotentCompletion<Order>?) async throws -> Order {
        try await CreateDraftOrderUseCase(db: db)(principal, currency: currency, lines: lines, coupon: coupon, idempotency: idempotency)
    }

    public func order(_ principal: Principal, id: OrderID) async throws -> Order {
        try await GetOrderUseCase(db: db)(principal, id: id)
    }

    public func orders(_ principal: Principal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try await ListOrdersUseCase(db: db)(principal, filter: filter, page: page)
    }

    public func replaceLines(_ principal: Principal, id: OrderID, expectedVersion: Int?, lines: [NewOrderLine],
                             coupon: String?) async throws -> Order {
        try await ReplaceOrderLinesUseCase(db: db)(principal, id: id, expectedVersion: expectedVersion, lines: lines, coupon: coupon)
    }

    public func timeline(_ principal: Principal, id: OrderID) async throws -> [OrderTimelineEntry] {
        try await GetOrderTimelineUseCase(db: db)(principal, id: id)
    }

    public func cancel(_ principal: Principal, id: OrderID) async throws -> Order {
        try await CancelOrderUseCase(db: db, billing: billing)(principal, id: id)
    }

    // MARK: Staff

    public func catalog(_ principal: StaffPrincipal) async throws -> [Product] {
        try await ListCatalogUseCase(platform: platform)(principal)
    }

    public func createProduct(_ principal: StaffPrincipal, _ product: NewProduct) async throws -> Product {
        try await CreateProductUseCase(platform: platform)(principal, product)
    }

    public func retireProduct(_ principal: StaffPrincipal, code: String) async throws -> Product {
        try await RetireProductUseCase(platform: platform)(principal, code: code)
    }

    public func orders(_ principal: StaffPrincipal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try await ListAllOrdersUseCase(platform: platform)(principal, filter: filter, page: page)
    }

    public func order(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> Order {
        try await StaffOrderUseCase(db: db).order(principal, tenantID: tenantID, id: id)
    }

    public func timeline(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> [OrderTimelineEntry] {
        try await StaffOrderUseCase(db: db).timeline(principal, tenantID: tenantID, id: id)
    }

    public func fulfil(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, _ fulfilment: Fulfilment) async throws -> Order {
        try await FulfilOrderUseCase(db: db)(principal, tenantID: tenantID, id: id, fulfilment)
    }

    public func cancel(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, reason: String) async throws -> Order {
        try await StaffCancelOrderUseCase(db: db, billing: billing, support: billingSupport)(principal, tenantID: tenantID, id: id,
                                                                                           reason: reason)
    }

    public func refund(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, amount: Money, reason: String) async throws -> Order {
        try await RefundOrderUseCase(db: db, billing: billingSupport)(principal, tenantID: tenantID, id: id, amount: amount, reason: reason)
    }

    public func addNote(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, text: String) async throws {
        try await AddOrderNoteUseCase(db: db)(principal, tenantID: tenantID, id: id, text: text)
    }
}
