import Kernel
import OrdersAPI
import Storage

/// The tenant's orders, newest first, filtered by status and payment status.
struct ListOrdersUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        try principal.require(.ordersRead)
        return try await db.tenant(principal.tenantID) { tx in try await OrderRows.page(filter, page, in: tx) }
    }
}
