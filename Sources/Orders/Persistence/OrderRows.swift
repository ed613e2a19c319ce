import Foundation
import Kernel
import OrdersAPI
import Storage

/// SQL for `orders.orders` and `orders.order_lines`.
enum OrderRows {
    static let columns: SQL = "order_id, status, payment_status, currency, total, version, created_at, placed_at"

    static func insert(_ id: OrderID, draft: OrderDraft, createdBy: UserID?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into orders.orders (tenant_id, order_id, currency, total, created_by, created_at, updated_at)
            values (\(tx.tenantID), \(id), \(draft.currency.code), \(draft.total.sql), \(createdBy), \(tx.now), \(tx.now))
            """)
        try await insertLines(id, draft: draft, in: tx)
    }

    /// A draft's new lines and total, its version moved on.
    static func replaceLines(_ id: OrderID, draft: OrderDraft, in tx: TenantTransaction) async throws {
        try await tx.execute("delete from orders.order_lines where tenant_id = \(tx.tenantID) and order_id = \(id)")
        try await insertLines(id, draft: draft, in: tx)
        try await tx.execute("""
            update orders.orders set total = \(draft.total.sql), version = version + 1, updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and order_id = \(id)
            """)
    }

    private static func insertLines(_ id: OrderID, draft: OrderDraft, in tx: TenantTransaction) async throws {
        for (index, line) in draft.lines.enumerated() {
            try await tx.execute("""
                insert into orders.order_lines (tenant_id, order_id, line_no, product_id, quantity, unit_amount)
                values (\(tx.tenantID), \(id), \(index + 1), \(line.product.id), \(line.quantity), \(line.unitAmount.sql))
                """)
        }
    }

    /// Placed: the total frozen, the invoice Billing issued for it named.
    static func place(_ id: OrderID, invoice: UUID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update orders.orders set status = 'placed', placed_at = \(tx.now), invoice_id = \(invoice), version = version + 1,
                   updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and order_id = \(id) and status = 'draft'
            """)
    }

    static func setStatus(_ id: OrderID, status: OrderStatus, payment: OrderPaymentStatus, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update orders.orders set status = \(status.rawValue), payment_status = \(payment.rawValue), version = version + 1,
                   updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and order_id = \(id)
            """)
    }

    /// Delivers every line of an automatic product in full; returns how many lines it did.
    static func fulfilAutomatic(_ id: OrderID, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            update orders.order_lines l set fulfilled = l.quantity
              from orders.products p
             where l.tenant_id = \(tx.tenantID) and l.order_id = \(id) and p.product_id = l.product_id
               and p.fulfilment = 'automatic' and l.fulfilled < l.quantity
            returning l.line_no
            """).count
    }

    /// The order an invoice was issued for, and that invoice.
    static func find(invoice: UUID, in tx: TenantTransaction, lock: Bool = false) async throws -> Order? {
        guard let id: UUID = try await tx.query("""
            select order_id from orders.orders where tenant_id = \(tx.tenantID) and invoice_id = \(invoice)
            """).first?.decode("order_id") else { return nil }
        return try await find(OrderID(rawValue: id), in: tx, lock: lock)
    }

    static func invoice(of id: OrderID, in tx: TenantTransaction) async throws -> UUID? {
        try await tx.query("select invoice_id from orders.orders where tenant_id = \(tx.tenantID) and order_id = \(id)")
            .first?.decode("invoice_id")
    }

    static func find(_ id: OrderID, in tx: TenantTransaction, lock: Bool = false) async throws -> Order? {
        guard let row = try await tx.query("""
            select \(columns) from orders.orders where tenant_id = \(tx.tenantID) and order_id = \(id)
            \(unsafeRaw: lock ? "for update" : "")
            """).first else { return nil }
        return try await withLines([row], in: tx).first
    }

    /// Newest first, filtered.
    static func page(_ filter: OrderFilter, _ request: PageRequest, in tx: TenantTransaction) async throws -> Page<Order> {
        let rows = try await tx.query("""
            select \(columns) from orders.orders
             where tenant_id = \(tx.tenantID)
               and (\(filter.status?.rawValue)::text is null or status = \(filter.status?.rawValue))
               and (\(filter.paymentStatus?.rawValue)::text is null or payment_status = \(filter.paymentStatus?.rawValue))
               and (\(request.after)::uuid is null or order_id < \(request.after))
             order by order_id desc limit \(request.limit + 1)
            """)
        return Page(fetched: try await withLines(rows, in: tx), limit: request.limit, id: \.id.rawValue)
    }

    /// The orders of `rows` with their lines, read in one query.
    private static func withLines(_ rows: [Row], in tx: TenantTransaction) async throws -> [Order] {
        let ids: [UUID] = try rows.map { try $0.decode("order_id") }
        guard !ids.isEmpty else { return [] }
        let lineRows = try await tx.query("""
            select l.order_id, l.line_no, l.quantity, l.unit_amount, l.fulfilled, p.code, p.name
              from orders.order_lines l join orders.products p on p.product_id = l.product_id
             where l.tenant_id = \(tx.tenantID) and l.order_id = any(\(SQLValue.uuids(ids)))
             order by l.order_id, l.line_no
            """)
        var linesByOrder: [UUID: [Row]] = [:]
        for row in lineRows { linesByOrder[try row.decode("order_id", as: UUID.self), default: []].append(row) }
        return try rows.map { row in
            let id: UUID = try row.decode("order_id")
            let currency = try row.currency("currency")
            let lines = try (linesByOrder[id] ?? []).map { line in
                let unit = try line.money("unit_amount", currency)
                let quantity: Int = try line.decode("quantity")
                return Order.Line(number: try line.decode("line_no"), productCode: try line.decode("code"),
                                  productName: try line.decode("name"), quantity: quantity, unitAmount: unit,
                                  amount: try unit.multiplied(by: Int64(quantity)), fulfilled: try line.decode("fulfilled"))
            }
            return Order(id: OrderID(rawValue: id), status: try row.decode("status", as: OrderStatus.self),
                         paymentStatus: try row.decode("payment_status", as: OrderPaymentStatus.self), currency: currency,
                         lines: lines, total: try row.money("total", currency),
                         version: try row.decode("version"), createdAt: try row.decode("created_at"),
                         placedAt: try row.decode("placed_at"))
        }
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

    /// Oldest first.
    static func timeline(_ order: OrderID, in tx: TenantTransaction) async throws -> [OrderTimelineEntry] {
        try await tx.query("""
            select kind, actor, occurred_at, detail::text as detail from orders.order_events
             where tenant_id = \(tx.tenantID) and order_id = \(order) order by occurred_at, event_id
            """).map { row in
            let detail = try JSONDecoder().decode([String: String].self, from: Data(try row.decode("detail", as: String.self).utf8))
            return OrderTimelineEntry(kind: try row.decode("kind"), actor: try row.decode("actor", as: OrderActor.self),
                                      occurredAt: try row.decode("occurred_at"), detail: detail)
        }
    }
}
