import Kernel
import OrdersAPI
import Storage

/// Everything that happened to an order, oldest first, from the module's own timeline (staff's
/// notes are theirs: the tenant does not see them).
struct GetOrderTimelineUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: OrderID) async throws -> [OrderTimelineEntry] {
        try principal.require(.ordersRead)
        return try await db.tenant(principal.tenantID) { tx in
            guard try await OrderRows.exists(id, in: tx) else { throw AppError(.orderNotFound, "There is no such order.") }
            return try await OrderEventRows.timeline(id, withNotes: false, in: tx)
        }
    }
}
