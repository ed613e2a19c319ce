import Foundation
import Kernel
import OrdersAPI
import Storage

/// Staff deliver some of a paid order's pieces (a manual product: the onboarding happened, the
/// hardware shipped), partial quantities allowed, with an optional note; audited.
struct FulfilOrderUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, _ fulfilment: Fulfilment) async throws -> Order {
        try principal.require(.ordersFulfil)
        let note = fulfilment.note.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : String($0.prefix(500)) }
        return try await db.tenant(tenantID) { tx in
            let order = try await OrderRows.require(id, in: tx, lock: true)
            let delivered = try await DeliverStep()(order, fulfilment.quantities, actor: .staff, actorID: principal.staffID.rawValue,
                                                    how: note ?? "delivered by staff", in: tx)
            try await tx.audit(.orderFulfilled, by: principal, target: "order/\(id)", reason: note,
                               before: ["status": .string(order.status.rawValue)],
                               after: ["status": .string(delivered.status.rawValue),
                                       "delivered": .string(fulfilment.quantities.sorted { $0.key < $1.key }
                                           .map { "line \($0.key): \($0.value)" }.joined(separator: ", "))])
            return delivered
        }
    }
}
