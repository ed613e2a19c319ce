public import Kernel

/// The Orders module's public face: the product catalog, and a tenant's orders from draft
/// onwards (docs/orders.md). Reading needs `orders.read`, changing `orders.manage`; the module
/// checks again behind the edge. Orders never reads Billing's tables: an order is invoiced and
/// paid through `BillingService` and Billing's events.
public protocol OrdersService: Sendable {
    /// The active products, by name (anyone signed in may read the price list).
    func products() async throws -> [Product]

    /// A new draft in `currency` with `lines` (at least one) and, if given, a coupon code:
    /// editable until placed.
    func createDraft(_ principal: Principal, currency: String, lines: [NewOrderLine], coupon: String?,
                     idempotency: IdempotentCompletion<Order>?) async throws -> Order
    func order(_ principal: Principal, id: OrderID) async throws -> Order
    /// Newest first.
    func orders(_ principal: Principal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order>
    /// Replaces a draft's lines; `expectedVersion` is the `If-Match`. `coupon`: nil keeps the
    /// draft's code, an empty one removes it, another replaces it.
    func replaceLines(_ principal: Principal, id: OrderID, expectedVersion: Int?, lines: [NewOrderLine],
                      coupon: String?) async throws -> Order
    /// Places a draft at the version last read: prices frozen, a one-off invoice issued through
    /// Billing (once per order). Placing a placed order again answers it as it is.
    func place(_ principal: Principal, id: OrderID, expectedVersion: Int?) async throws -> Order
    /// Pays a placed order now; a decline (402) leaves it payable again, with no new invoice.
    func pay(_ principal: Principal, id: OrderID, idempotency: IdempotentCompletion<Order>?) async throws -> Order
    /// Cancels a draft, or a placed order nothing was paid for (its invoice is voided). A paid
    /// order is staff's to cancel (409 `order_cancel_refused`); a delivered one is refunded
    /// instead. Canceling a canceled order answers it as it is.
    func cancel(_ principal: Principal, id: OrderID) async throws -> Order
    /// Everything that happened to the order, oldest first.
    func timeline(_ principal: Principal, id: OrderID) async throws -> [OrderTimelineEntry]
}

/// The staff console's side of Orders: every tenant's orders, delivery of manual products,
/// cancel and refund (through Billing), notes. Each change is audited with the staff member
/// and, where money moves, their reason.
public protocol OrdersSupportService: Sendable {
    /// Every product, retired ones too.
    func catalog(_ principal: StaffPrincipal) async throws -> [Product]
    /// Adds a product to the catalog (`billing.operate`): a new code, a price per currency.
    func createProduct(_ principal: StaffPrincipal, _ product: NewProduct) async throws -> Product
    /// Takes a product off sale: no new draft can have it; orders that have it keep it.
    func retireProduct(_ principal: StaffPrincipal, code: String) async throws -> Product
    /// Orders across tenants (or one, `filter.tenantID`), newest first.
    func orders(_ principal: StaffPrincipal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order>
    func order(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> Order
    func timeline(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> [OrderTimelineEntry]
    /// Delivers some of a paid order's pieces (partial quantities allowed).
    func fulfil(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, _ fulfilment: Fulfilment) async throws -> Order
    /// Cancels an order nothing was delivered of; a paid one's money goes back in full first.
    func cancel(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, reason: String) async throws -> Order
    /// Gives `amount` back to the card (never more than paid, less refunded).
    func refund(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, amount: Money, reason: String) async throws -> Order
    /// A staff note on the order's timeline.
    func addNote(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, text: String) async throws
}
