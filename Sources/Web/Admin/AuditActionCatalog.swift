import AccountsAPI
import BillingAPI
import Kernel
import NotificationsAPI
import OrdersAPI

/// Every audit action the modules declare, by stored name: the console's labels come from the
/// same enums the writers use, so the two cannot drift. A module that adds actions adds its
/// enum here.
enum AuditActionCatalog {
    static let labels: [String: String] = {
        var labels: [String: String] = [:]
        func add<Action: AuditAction>(_: Action.Type) {
            for action in Action.allCases {
                precondition(labels[action.rawValue] == nil, "audit action \(action.rawValue) is declared twice")
                labels[action.rawValue] = action.label
            }
        }
        add(AccountsAuditAction.self)
        add(NotificationsAuditAction.self)
        add(BillingAuditAction.self)
        add(OrdersAuditAction.self)
        add(PlatformAuditAction.self)
        return labels
    }()

    static func label(of action: String) -> String? { labels[action] }
}
