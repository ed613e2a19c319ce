import Kernel
import OrdersAPI
import Storage

/// One of a tenant's orders, and its timeline, as staff see them.
struct StaffOrderUseCase {
    let db: Database

    func order(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> Order {
        try principal.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in try await StaffOrderUseCase.find(id, in: tx) }
    }

    func timeline(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID) async throws -> [OrderTimelineEntry] {
        try principal.require(.consoleRead)
        return try await db.tenant(tenantID) { tx in
            _ = try await StaffOrderUseCase.find(id, in: tx)
            return try await OrderEventRows.timeline(id, withNotes: true, in: tx)
        }
    }

    static func find(_ id: OrderID, in tx: TenantTransaction, lock: Bool = false) async throws -> Order {
        guard let order = try await OrderRows.find(id, in: tx, lock: lock) else { throw AppError(.orderNotFound, "There is no such order.") }
        return order
    }
}
