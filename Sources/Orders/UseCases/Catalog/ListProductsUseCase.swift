import Kernel
import OrdersAPI
import Storage

/// The price list: every active product with its prices.
struct ListProductsUseCase {
    let platform: PlatformDatabase

    func callAsFunction() async throws -> [Product] {
        try await platform.platform("orders: products") { tx in try await ProductRows.active(in: tx) }
    }
}
