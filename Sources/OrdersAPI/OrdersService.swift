public import Kernel

/// The Orders module's public face: the product catalog, and a tenant's orders from draft
/// onwards (docs/orders.md). Reading needs `orders.read`, changing `orders.manage`; the module
/// checks again behind the edge. Orders never reads Billing's tables: an order is invoiced and
/// paid through `BillingService` and Billing's events.
public protocol OrdersService: Sendable {
    /// The active products, by name (anyone signed in may read the price list).
    func products() async throws -> [Product]

    /// A new draft in `currency` with `lines` (at least one): editable until placed.
    func createDraft(_ principal: Principal, currency: String, lines: [NewOrderLine],
                     idempotency: IdempotentCompletion<Order>?) async throws -> Order
    func order(_ principal: Principal, id: OrderID) async throws -> Order
    /// Newest first.
    func orders(_ principal: Principal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order>
    /// Replaces a draft's lines; `expectedVersion` is the `If-Match`.
    func replaceLines(_ principal: Principal, id: OrderID, expectedVersion: Int?, lines: [NewOrderLine]) async throws -> Order
    /// Places a draft at the version last read: prices frozen, a one-off invoice issued through
    /// Billing (once per order). Placing a placed order again answers it as it is.
    func place(_ principal: Principal, id: OrderID, expectedVersion: Int?) async throws -> Order
    /// Pays a placed order now; a decline (402) leaves it payable again, with no new invoice.
    func pay(_ principal: Principal, id: OrderID, idempotency: IdempotentCompletion<Order>?) async throws -> Order
    /// Everything that happened to the order, oldest first.
    func timeline(_ principal: Principal, id: OrderID) async throws -> [OrderTimelineEntry]
}
