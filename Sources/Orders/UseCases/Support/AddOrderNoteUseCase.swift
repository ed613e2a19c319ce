import Foundation
import Kernel
import OrdersAPI
import Storage

/// A staff note on an order's timeline (1–2000 characters), audited; staff see it, the tenant
/// does not.
struct AddOrderNoteUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, id: OrderID, text: String) async throws {
        try principal.require(.consoleRead)
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(text.count) else {
            throw AppError.validation([FieldError(field: "text", code: "length", message: "Write a note of 1 to 2000 characters.")])
        }
        try await db.tenant(tenantID) { tx in
            guard try await OrderRows.exists(id, in: tx) else { throw AppError(.orderNotFound, "There is no such order.") }
            try await OrderEventRows.append(id, kind: "note", actor: .staff, actorID: principal.staffID.rawValue,
                                            detail: ["text": text, "by": principal.email], in: tx)
            try await tx.audit(.orderNoteAdded, by: principal, target: "order/\(id)", reason: nil, after: ["text": .string(text)])
        }
    }
}
