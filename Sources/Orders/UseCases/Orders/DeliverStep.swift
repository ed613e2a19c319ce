import Foundation
import Kernel
import OrdersAPI
import Storage

/// Delivers `quantities` (line number → how many more) of a paid order: the lines counted up,
/// the status moved (`partially_fulfilled`, or `fulfilled` once nothing is left), the timeline
/// told, `OrderFulfilled` published with what was delivered now (and the seats it grants, which
/// Accounts adds to the tenant's limit). Automatic products arrive here
/// on payment; manual ones when staff deliver them. Refuses a line that is not there, nothing to
/// deliver, or more than is left of a line.
struct DeliverStep {
    @discardableResult
    /// `products`: the order's lines' products when the caller read them already.
    func callAsFunction(_ order: Order, _ quantities: [Int: Int], actor: OrderActor, actorID: UUID?, how: String,
                        products known: [Int: (automatic: Bool, seats: Int)]? = nil, in tx: TenantTransaction) async throws -> Order {
        guard OrderRules.canFulfil(status: order.status, payment: order.paymentStatus) else {
            throw AppError(.orderConflict, "Only a placed, paid order can be delivered; this one is \(order.status.phrase) and \(order.paymentStatus.phrase).")
        }
        let products: [Int: (automatic: Bool, seats: Int)]
        if let known { products = known } else { products = try await OrderRows.lineProducts(order.id, in: tx) }
        var problems: [FieldError] = []
        var items: [OrderItem] = []
        for (number, quantity) in quantities.sorted(by: { $0.key < $1.key }) where quantity != 0 {
            guard let line = order.lines.first(where: { $0.number == number }) else {
                problems.append(FieldError(field: "line_\(number)", code: "unknown_line", message: "The order has no line \(number)."))
                continue
            }
            let left = line.quantity - line.fulfilled
            guard quantity > 0, quantity <= left else {
                problems.append(FieldError(field: "line_\(number)", code: "out_of_range",
                                           message: "Line \(number) (\(line.productName)): deliver between 1 and \(left)."))
                continue
            }
            items.append(OrderItem(productCode: line.productCode, productName: line.productName, quantity: quantity,
                                   seats: quantity * (products[number]?.seats ?? 0)))
        }
        guard problems.isEmpty else { throw AppError.validation(problems) }
        guard !items.isEmpty else {
            throw AppError.validation([FieldError(field: "quantities", code: "nothing_to_deliver", message: "Say how many of which line were delivered.")])
        }
        try await OrderRows.fulfil(order.id, quantities, in: tx)
        guard let delivered = try await OrderRows.find(order.id, in: tx) else { throw AppError(.orderNotFound, "There is no such order.") }
        let complete = delivered.undelivered == 0
        let status = try OrderStatus.transition(from: order.status, on: .fulfil(complete: complete))
        try await OrderRows.setStatus(order.id, status: status, payment: delivered.paymentStatus, in: tx)
        try await OrderEventRows.append(order.id, kind: complete ? "fulfilled" : "partially_fulfilled", actor: actor, actorID: actorID,
                                        detail: ["how": how, "items": items.map { "\($0.quantity) × \($0.productName)" }.joined(separator: ", ")],
                                        in: tx)
        try await tx.publish(OrderFulfilled(tenantID: tx.tenantID, order: try await OrderRows.snapshot(order, in: tx), items: items,
                                            complete: complete, actor: actor, fulfilledAt: tx.now))
        return try await OrderRows.find(order.id, in: tx) ?? delivered
    }
}
