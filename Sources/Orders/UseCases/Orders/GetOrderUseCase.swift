import Kernel
import OrdersAPI
import Storage

/// One of the tenant's orders; another tenant's is not found.
struct GetOrderUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: OrderID) async throws -> Order {
        try principal.require(.ordersRead)
        return try await db.tenant(principal.tenantID) { tx in try await OrderRows.require(id, in: tx) }
    }
}
