public import Kernel

/// Every audit action the Orders module writes.
public enum OrdersAuditAction: String, AuditAction {
    case orderCreated = "order.created"
    case orderLinesChanged = "order.lines_changed"

    public var label: String {
        switch self {
        case .orderCreated: "Order created"
        case .orderLinesChanged: "Order lines changed"
        }
    }
}
