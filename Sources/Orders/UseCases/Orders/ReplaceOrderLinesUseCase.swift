import Kernel
import OrdersAPI
import Storage

/// A draft's lines (and, when given, its coupon code), replaced as a whole at the version the
/// caller read (`If-Match`): two
/// people editing one draft do not silently overwrite each other. A placed order's lines are
/// frozen.
struct ReplaceOrderLinesUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: OrderID, expectedVersion: Int?, lines: [NewOrderLine],
                        coupon: String?) async throws -> Order {
        try principal.require(.ordersManage)
        // nil keeps the draft's code; "" removes it.
        let coupon = try coupon.map { try OrderCoupon.normalize($0) }
        return try await db.tenant(principal.tenantID) { tx in
            let order = try await OrderRows.require(id, in: tx, lock: true)
            // Validate first (422), then the version (412): a bad body is wrong at any version.
            let draft = try await DraftLinesStep()(currency: order.currency.code, lines: lines, in: tx)
            // `If-Match: *` (nil) takes the draft as it is; the edge requires the header.
            if let expectedVersion, expectedVersion != order.version { throw AppError.versionMismatch(current: order.version) }
            guard order.status == .draft else {
                throw AppError(.orderConflict, "Only a draft's lines can change; this order is \(order.status.phrase).")
            }
            try await OrderRows.replaceLines(id, draft: draft, in: tx)
            if let coupon { try await OrderRows.setCoupon(id, coupon, in: tx) }
            try await OrderEventRows.append(id, kind: "lines_changed", actor: .tenant, actorID: principal.userID.rawValue,
                                            detail: ["total": draft.total.description, "lines": String(draft.lines.count)], in: tx)
            try await tx.audit(.orderLinesChanged, by: principal, target: "order/\(id)", after: ["total": .string(draft.total.description)])
            guard let saved = try await OrderRows.find(id, in: tx) else {
                throw AppError(.internalError, "An order just written could not be read back.")
            }
            return saved
        }
    }
}
