public import BillingAPI
public import Kernel
public import OrdersAPI
public import Storage

/// The implementation of `OrdersService`; only the composition root creates it. A thin
/// facade: each method hands its call to one use case. Orders asks Billing to invoice and
/// charge (`BillingService`) and hears what happened to its invoices (`Events/`).
public struct OrdersModule: OrdersService {
    let db: Database
    let platform: PlatformDatabase
    let billing: any BillingService

    public init(db: Database, platform: PlatformDatabase, billing: any BillingService) {
        self.db = db
        self.platform = platform
        self.billing = billing
    }

    /// Registers Orders' reactions to Billing's events about its invoices.
    public func subscribe(into subscriptions: inout EventSubscriptions) {
        BillingPaymentSubscriptions().register(into: &subscriptions)
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

    public func createDraft(_ principal: Principal, currency: String, lines: [NewOrderLine],
                            idempotency: IdempotentCompletion<Order>?) async throws -> Order {
        try await CreateDraftOrderUseCase(db: db)(principal, currency: currency, lines: lines, idempotency: idempotency)
    }

    public func order(_ principal: Principal, id: OrderID) async throws -> Order {
        try await GetOrderUseCase(db: db)(principal, id: id)
    }

    public func orders(_ principal: Principal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try await ListOrdersUseCase(db: db)(principal, filter: filter, page: page)
    }

    public func replaceLines(_ principal: Principal, id: OrderID, expectedVersion: Int?, lines: [NewOrderLine]) async throws -> Order {
        try await ReplaceOrderLinesUseCase(db: db)(principal, id: id, expectedVersion: expectedVersion, lines: lines)
    }

    public func timeline(_ principal: Principal, id: OrderID) async throws -> [OrderTimelineEntry] {
        try await GetOrderTimelineUseCase(db: db)(principal, id: id)
    }
}
