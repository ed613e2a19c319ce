import Foundation
import Kernel
import OrdersAPI
import Storage

/// SQL for `orders.orders` and `orders.order_lines`.
enum OrderRows {
    /// Orders with their lines: the orders that `conditions` pick (newest first, at most
    /// `limit`, locked with `lock`), each with one row per line (a row with null line columns
    /// when it has none), so a page of orders is one statement and one round trip. Conditions
    /// name the order's columns as `o.…`.
    ///
    /// No `order by` around the join: sorting its hundred wide rows was about a twelfth of the
    /// statement (pgbench). The plan returns them newest order first, each order's lines in
    /// line order (a nested loop over the sorted orders, the lines by their key), but SQL does
    /// not promise that, so `decode` checks it and sorts when it does not hold.
    ///
    /// Rows, not aggregates: six ordered `array_agg`s per order sorted six times, and cost
    /// PostgreSQL a third more than this on a page of 50 (docs/benchmarks.md, S5). The lines
    /// are a lateral subquery kept whole by `offset 0`: flattened into a plain join, a planner
    /// that expects few orders scans every line once per order with the join's condition
    /// applied last, row-level security's check on each of them (3× the cost on a small
    /// table); kept whole, the order's own condition is part of the lines' scan.
    static func selectWithLines(_ conditions: [SQL], limit: Int? = nil, lock: Bool = false) -> SQL {
        let whereClause = conditions.isEmpty ? SQL("") : conditions.dropFirst().reduce("where " + conditions[0]) { $0 + " and " + $1 }
        let limitClause: SQL = limit.map { "limit \($0)" } ?? ""
        return """
            select o.tenant_id, o.order_id, o.status, o.payment_status, o.currency, o.total, o.coupon_code, o.discount,
                   o.amount_paid, o.refunded, o.invoice_id, o.version, o.created_at, o.placed_at, o.canceled_at,
                   l.line_no, l.quantity, l.unit_amount, l.fulfilled, l.product_code, l.product_name
              from (select o.tenant_id, o.order_id, o.status, o.payment_status, o.currency, o.total, o.coupon_code, o.discount,
                           o.amount_paid, o.refunded, o.invoice_id, o.version, o.created_at, o.placed_at, o.canceled_at
                      from orders.orders o \(whereClause) order by o.order_id desc \(limitClause)
                    \(unsafeRaw: lock ? "for update" : "")) o
              left join lateral (
                   select l.line_no, l.quantity, l.unit_amount, l.fulfilled, l.product_code, l.product_name
                     from orders.order_lines l
                    where l.tenant_id = o.tenant_id and l.order_id = o.order_id
                   offset 0) l on true
            """
    }

    static func insert(_ id: OrderID, draft: OrderDraft, coupon: String?, createdBy: UserID?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into orders.orders (tenant_id, order_id, currency, total, coupon_code, created_by, created_at, updated_at)
            values (\(tx.tenantID), \(id), \(draft.currency.code), \(draft.total.sql), \(coupon), \(createdBy), \(tx.now), \(tx.now))
            """)
        try await insertLines(id, draft: draft, in: tx)
    }

    /// A draft's new lines and total, its version moved on — or not (`bumpVersion` false: placing
    /// re-prices the lines on the way to placed, and the version moves once, when it is placed, so
    /// a double-tapped place at the version read is answered, not refused with 412).
    static func replaceLines(_ id: OrderID, draft: OrderDraft, bumpVersion: Bool = true, in tx: TenantTransaction) async throws {
        try await tx.execute("delete from orders.order_lines where tenant_id = \(tx.tenantID) and order_id = \(id)")
        try await insertLines(id, draft: draft, in: tx)
        try await tx.execute("""
            update orders.orders set total = \(draft.total.sql), version = version + \(bumpVersion ? 1 : 0), updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and order_id = \(id)
            """)
    }

    /// The draft's lines in one statement, numbered from 1 in the draft's order, each with its
    /// product's code and name as the catalog has them now (kept, like the unit price). A left
    /// join: a product missing from the catalog is refused (migration 0031's trigger), never a
    /// line dropped.
    private static func insertLines(_ id: OrderID, draft: OrderDraft, in tx: TenantTransaction) async throws {
        guard !draft.lines.isEmpty else { return }
        try await tx.execute("""
            insert into orders.order_lines (tenant_id, order_id, line_no, product_id, product_code, product_name, quantity, unit_amount)
            select \(tx.tenantID), \(id), l.line_no, l.product_id, p.code, p.name, l.quantity, l.unit_amount
              from unnest(\(SQLValue.uuids(draft.lines.map(\.product.id.rawValue))), \(SQLValue.ints(draft.lines.map(\.quantity))),
                          \(SQLValue.ints(draft.lines.map(\.unitAmount.sql))))
                   with ordinality as l(product_id, quantity, unit_amount, line_no)
              left join orders.products p on p.product_id = l.product_id
            """)
    }

    /// A draft's coupon code: a new one, or none (nil).
    static func setCoupon(_ id: OrderID, _ coupon: String?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update orders.orders set coupon_code = \(coupon) where tenant_id = \(tx.tenantID) and order_id = \(id)
            """)
    }

    /// Placed: the total frozen, the invoice Billing issued for it named with the discount it
    /// gave, and whom to tell about it (the billing profile's name and address on that invoice).
    static func place(_ id: OrderID, invoice: UUID, discount: Money, customerName: String, email: String?,
                      in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update orders.orders set status = 'placed', placed_at = \(tx.now), invoice_id = \(invoice), version = version + 1,
                   discount = \(discount.sql), customer_name = \(customerName), notify_email = \(email), updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and order_id = \(id) and status = 'draft'
            """)
    }

    static func setStatus(_ id: OrderID, status: OrderStatus, payment: OrderPaymentStatus, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update orders.orders set status = \(status.rawValue), payment_status = \(payment.rawValue), version = version + 1,
                   canceled_at = case when \(status.rawValue) = 'canceled' then coalesce(canceled_at, \(tx.now)) end,
                   updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and order_id = \(id)
            """)
    }

    /// What the invoice was paid, as Billing reported it.
    static func setPaid(_ id: OrderID, _ amount: Money, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update orders.orders set amount_paid = \(amount.sql) where tenant_id = \(tx.tenantID) and order_id = \(id)
            """)
    }

    /// Everything refunded so far, as Billing reported it: never lowered (reports can come twice
    /// or out of order).
    static func setRefunded(_ id: OrderID, total: Money, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update orders.orders set refunded = greatest(refunded, \(total.sql))
             where tenant_id = \(tx.tenantID) and order_id = \(id)
            """)
    }

    /// Delivers `quantities` (line number → how many more); the check constraint refuses more
    /// than a line's quantity (`DeliverStep` checks first, with a readable message).
    static func fulfil(_ id: OrderID, _ quantities: [Int: Int], in tx: TenantTransaction) async throws {
        for (line, quantity) in quantities.sorted(by: { $0.key < $1.key }) where quantity > 0 {
            try await tx.execute("""
                update orders.order_lines set fulfilled = fulfilled + \(quantity)
                 where tenant_id = \(tx.tenantID) and order_id = \(id) and line_no = \(line)
                """)
        }
    }

    /// Whom to tell about the order, and what to call them.
    static func contact(_ id: OrderID, in tx: TenantTransaction) async throws -> (name: String, email: String?) {
        guard let row = try await tx.query("""
            select customer_name, notify_email from orders.orders where tenant_id = \(tx.tenantID) and order_id = \(id)
            """).first else { return ("", nil) }
        return (try row.decode("customer_name", as: String?.self) ?? "", try row.decode("notify_email"))
    }

    /// What each of the order's lines' product is, by line number: delivered automatically or
    /// by staff, and the seats one piece grants.
    static func lineProducts(_ id: OrderID, in tx: TenantTransaction) async throws -> [Int: (automatic: Bool, seats: Int)] {
        var products: [Int: (automatic: Bool, seats: Int)] = [:]
        for row in try await tx.query("""
            select l.line_no, p.fulfilment = 'automatic' as automatic, coalesce(p.seats, 0) as seats
              from orders.order_lines l join orders.products p on p.product_id = l.product_id
             where l.tenant_id = \(tx.tenantID) and l.order_id = \(id)
            """) {
            products[try row.decode("line_no")] = (try row.decode("automatic"), try row.decode("seats"))
        }
        return products
    }

    /// The order as its events tell it, with whom to tell, and all of it as it now is.
    static func snapshot(_ order: Order, in tx: TenantTransaction) async throws -> OrderSnapshot {
        let contact = try await contact(order.id, in: tx)
        return OrderSnapshot(orderID: order.id, total: order.total, customerName: contact.name, email: contact.email,
                             state: try await find(order.id, in: tx))
    }

    /// The order an invoice was issued for, locked (Billing's event is about to change it).
    static func find(invoice: UUID, in tx: TenantTransaction) async throws -> Order? {
        try await decode(tx.query(selectWithLines(["o.tenant_id = \(tx.tenantID)", "o.invoice_id = \(invoice)"], lock: true))).first
    }

    /// The order, or `order_not_found`.
    static func require(_ id: OrderID, in tx: TenantTransaction, lock: Bool = false) async throws -> Order {
        guard let order = try await find(id, in: tx, lock: lock) else { throw AppError(.orderNotFound, "There is no such order.") }
        return order
    }

    /// Whether the tenant has this order (without reading it).
    static func exists(_ id: OrderID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("select 1 from orders.orders where tenant_id = \(tx.tenantID) and order_id = \(id)").isEmpty
    }

    static func find(_ id: OrderID, in tx: TenantTransaction, lock: Bool = false) async throws -> Order? {
        try await decode(tx.query(selectWithLines(["o.tenant_id = \(tx.tenantID)", "o.order_id = \(id)"], lock: lock))).first
    }

    /// The tenant's orders, newest first, filtered.
    static func page(_ filter: OrderFilter, _ request: PageRequest, in tx: TenantTransaction) async throws -> Page<Order> {
        try await page(["o.tenant_id = \(tx.tenantID)"] + conditions(filter, request), limit: request.limit, in: tx)
    }

    /// Newest first across tenants (or one, `filter.tenantID`), for staff.
    static func page(_ filter: OrderFilter, _ request: PageRequest, in tx: PlatformTransaction) async throws -> Page<Order> {
        let tenant: [SQL] = filter.tenantID.map { ["o.tenant_id = \($0)"] } ?? []
        return try await page(tenant + conditions(filter, request), limit: request.limit, in: tx)
    }

    /// Only the filters given become conditions, so the planner sees a plain `o.tenant_id = …` and
    /// walks `orders_recent` for one tenant, or `orders_platform_recent` across them (an
    /// `(x is null or …)` form hid that from it, and a page read every order).
    private static func conditions(_ filter: OrderFilter, _ request: PageRequest) -> [SQL] {
        var conditions: [SQL] = []
        if let status = filter.status { conditions.append("o.status = \(status.rawValue)") }
        if let payment = filter.paymentStatus { conditions.append("o.payment_status = \(payment.rawValue)") }
        if let from = filter.createdFrom { conditions.append("o.created_at >= \(from)") }
        if let before = filter.createdBefore { conditions.append("o.created_at < \(before)") }
        if let reference = filter.reference { conditions.append("o.order_id::text like \(SQL.likePattern(prefix: reference))") }
        if let after = request.after { conditions.append("o.order_id < \(after)") }
        return conditions
    }

    private static func page(_ conditions: [SQL], limit: Int, in tx: some SQLTransaction) async throws -> Page<Order> {
        Page(fetched: try decode(await tx.query(selectWithLines(conditions, limit: limit + 1))), limit: limit, id: \.id.rawValue)
    }

    /// The orders in `selectWithLines`' rows, newest first: an order's columns from its first
    /// row, a line from each row that has one, in line order.
    private static func decode(_ rows: [Row]) throws -> [Order] {
        let keys = try rows.map { row in PageRowKey(order: try row.decode("order_id"), tenant: try row.decode("tenant_id"),
                                                    line: try row.decode("line_no")) }
        var orders: [Order] = []
        var lines: [Order.Line] = []
        var first: Row?
        var currency = Currency.usd
        var previous: PageRowKey?
        for index in PageRowKey.pageOrder(keys) ?? Array(rows.indices) {
            let row = rows[index]
            if previous.map({ !keys[index].sameOrder(as: $0) }) ?? true {
                if let first { orders.append(try order(first, currency: currency, lines: lines)) }
                (first, lines, currency) = (row, [], try row.currency("currency"))
            }
            previous = keys[index]
            if let number = keys[index].line {
                let quantity: Int = try row.decode("quantity")
                let unit = try row.money("unit_amount", currency)
                lines.append(Order.Line(number: number, productCode: try row.decode("product_code"), productName: try row.decode("product_name"),
                                        quantity: quantity, unitAmount: unit, amount: try unit.multiplied(by: Int64(quantity)),
                                        fulfilled: try row.decode("fulfilled")))
            }
        }
        if let first { orders.append(try order(first, currency: currency, lines: lines)) }
        return orders
    }

    private static func order(_ row: Row, currency: Currency, lines: [Order.Line]) throws -> Order {
        let paid: Int? = try row.decode("amount_paid")
        return Order(id: OrderID(rawValue: try row.decode("order_id")), tenantID: TenantID(rawValue: try row.decode("tenant_id")),
                     status: try row.decode("status", as: OrderStatus.self),
                     paymentStatus: try row.decode("payment_status", as: OrderPaymentStatus.self), currency: currency,
                     lines: lines, total: try row.money("total", currency), coupon: try row.decode("coupon_code"),
                     discount: try row.money("discount", currency),
                     amountPaid: paid.map { Money(minorUnits: Int64($0), currency: currency) },
                     refunded: try row.money("refunded", currency), invoiceID: try row.decode("invoice_id"),
                     version: try row.decode("version"), createdAt: try row.decode("created_at"),
                     placedAt: try row.decode("placed_at"), canceledAt: try row.decode("canceled_at"))
    }
}

/// Where a row of `OrderRows.selectWithLines` belongs on a page: its order (its tenant and its
/// id, the table's key) and its line number (`nil`: the order has no lines).
struct PageRowKey: Equatable {
    let order: UUID
    let tenant: UUID
    let line: Int?

    func sameOrder(as other: PageRowKey) -> Bool { order == other.order && tenant == other.tenant }

    /// Whether this row comes before `other`: the newer order first (ids are UUIDv7, ordered
    /// by time; compared byte by byte, as PostgreSQL compares them), then by tenant, then by line.
    func precedes(_ other: PageRowKey) -> Bool {
        if order != other.order { return Self.bytes(other.order, lessThan: order) }
        if tenant != other.tenant { return Self.bytes(tenant, lessThan: other.tenant) }
        return (line ?? 0) < (other.line ?? 0)
    }

    /// The rows' positions in page order; `nil` when they are in it already (as the plan
    /// returns them), so the common case costs one comparison per row and no sort.
    static func pageOrder(_ keys: [PageRowKey]) -> [Int]? {
        guard zip(keys, keys.dropFirst()).contains(where: { !$0.precedes($1) }) else { return nil }
        return keys.indices.sorted { keys[$0].precedes(keys[$1]) }
    }

    private static func bytes(_ a: UUID, lessThan b: UUID) -> Bool {
        withUnsafeBytes(of: a.uuid) { a in withUnsafeBytes(of: b.uuid) { b in a.lexicographicallyPrecedes(b) } }
    }
}

/// SQL for `orders.order_events`: the order's timeline.
enum OrderEventRows {
    static func append(_ order: OrderID, kind: String, actor: OrderActor, actorID: UUID?, detail: [String: String],
                       in tx: TenantTransaction) async throws {
        let json = String(decoding: try JSONEncoder().encode(detail), as: UTF8.self)
        try await tx.execute("""
            insert into orders.order_events (tenant_id, event_id, order_id, kind, actor, actor_id, detail, occurred_at)
            values (\(tx.tenantID), \(UUID.v7()), \(order), \(kind), \(actor.rawValue), \(actorID), \(SQLValue.jsonb(json)), \(tx.now))
            """)
    }

    /// Oldest first; staff notes only for staff (`withNotes`).
    static func timeline(_ order: OrderID, withNotes: Bool, in tx: TenantTransaction) async throws -> [OrderTimelineEntry] {
        try await tx.query("""
            select kind, actor, occurred_at, detail::text as detail from orders.order_events
             where tenant_id = \(tx.tenantID) and order_id = \(order) and (\(withNotes) or kind <> 'note')
             order by occurred_at, event_id
            """).map { row in
            let detail = try JSONDecoder().decode([String: String].self, from: Data(try row.decode("detail", as: String.self).utf8))
            return OrderTimelineEntry(kind: try row.decode("kind"), actor: try row.decode("actor", as: OrderActor.self),
                                      occurredAt: try row.decode("occurred_at"), detail: detail)
        }
    }
}
