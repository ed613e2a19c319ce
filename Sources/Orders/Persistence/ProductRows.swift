import Foundation
import Kernel
import OrdersAPI
import Storage

/// SQL for the catalog, `orders.products` and `orders.product_prices` (readable by every tenant).
enum ProductRows {
    static let columns: SQL = """
        p.product_id, p.code, p.name, p.description, p.fulfilment, p.status, p.seats,
        coalesce((select array_agg(pp.currency || ':' || pp.amount order by pp.currency)
                    from orders.product_prices pp where pp.product_id = p.product_id), '{}') as prices
        """

    /// The products on sale, by name.
    static func active(in tx: some SQLTransaction) async throws -> [Product] {
        try await tx.query("select \(columns) from orders.products p where p.status = 'active' order by p.name").map(decode)
    }

    /// Every product, retired ones last.
    static func all(in tx: some SQLTransaction) async throws -> [Product] {
        try await tx.query("select \(columns) from orders.products p order by p.status, p.name").map(decode)
    }

    /// A new product and its prices; nil when the code is taken.
    static func insert(_ product: NewProduct, id: ProductID, in tx: PlatformTransaction) async throws -> Product? {
        guard try await !tx.query("""
            insert into orders.products (product_id, code, name, description, fulfilment, seats, created_at)
            values (\(id), \(product.code), \(product.name), \(product.description), \(product.fulfilment.rawValue), \(product.seats),
                    \(tx.now))
            on conflict (code) do nothing
            returning product_id
            """).isEmpty else { return nil }
        for price in product.prices {
            try await tx.execute("""
                insert into orders.product_prices (product_id, currency, amount) values (\(id), \(price.currency.code), \(price.sql))
                """)
        }
        return try await tx.query("select \(columns) from orders.products p where p.product_id = \(id)").first.map(decode)
    }

    /// Off sale; nil when there is no such product.
    static func retire(code: String, in tx: PlatformTransaction) async throws -> Product? {
        try await tx.execute("update orders.products set status = 'retired' where code = \(code)")
        return try await tx.query("select \(columns) from orders.products p where p.code = \(code)").first.map(decode)
    }

    static func decode(_ row: Row) throws -> Product {
        Product(id: try row.decode("product_id"), code: try row.decode("code"), name: try row.decode("name"),
                       description: try row.decode("description"), fulfilment: try row.decode("fulfilment", as: Product.Fulfilment.self),
                       prices: try row.prices("prices"), retired: try row.decode("status", as: String.self) == "retired",
                       seats: try row.decode("seats"))
    }
}
