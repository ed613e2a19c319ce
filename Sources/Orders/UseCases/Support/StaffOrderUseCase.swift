import Kernel
import OrdersAPI
import Storage

/// One of a tenant's orders, and its timeline, as staff see them.
struct StaffOrderUseCase {
    let db: Database

    func order(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> Order {
        try principal.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in try await OrderRows.require(id, in: tx) }
    }

    func timeline(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> [OrderTimelineEntry] {
        try principal.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in
            guard try await OrderRows.exists(id, in: tx) else { throw AppError(.orderNotFound, "There is no such order.") }
            return try await OrderEventRows.timeline(id, withNotes: true, in: tx)
        }
    }
}
