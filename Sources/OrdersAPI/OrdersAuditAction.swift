public import Kernel

/// Every audit action the Orders module writes.
public enum OrdersAuditAction: String, AuditAction {
    case orderCreated = "order.created"
    case orderLinesChanged = "order.lines_changed"
    case orderCanceled = "order.canceled"
    case orderFulfilled = "order.fulfilled"
    case orderRefunded = "order.refunded"
    case orderNoteAdded = "order.note_added"
    case ordersExported = "staff.orders_exported"
    case productCreated = "product.created"
    case productRetired = "product.retired"

    public var label: String {
        switch self {
        case .orderCreated: "Order created"
        case .orderLinesChanged: "Order lines changed"
        case .orderCanceled: "Order canceled"
        case .orderFulfilled: "Order fulfilled (staff)"
        case .orderRefunded: "Order refunded"
        case .orderNoteAdded: "Order note added"
        case .ordersExported: "Orders exported (CSV)"
        case .productCreated: "Product added to the catalog"
        case .productRetired: "Product retired"
        }
    }
}
