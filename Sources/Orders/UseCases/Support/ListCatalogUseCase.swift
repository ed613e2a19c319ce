import Kernel
import OrdersAPI
import Storage

/// Every product, retired ones too, for the console's catalog page.
struct ListCatalogUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal) async throws -> [Product] {
        try principal.require(.consoleRead)
        return try await platform.platform("orders: catalog") { tx in try await ProductRows.all(in: tx) }
    }
}
