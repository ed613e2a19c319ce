import Kernel
import OrdersAPI
import Storage

/// Staff's list of orders across tenants (or one tenant's), newest first, filtered.
struct ListAllOrdersUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try principal.require(.consoleRead)
        return try await platform.platform("orders: staff list") { tx in try await OrderRows.page(filter, page, in: tx) }
    }
}
