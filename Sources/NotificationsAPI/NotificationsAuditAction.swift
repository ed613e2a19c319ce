public import Kernel

/// Every audit action about Notifications' records.
public enum NotificationsAuditAction: String, AuditAction {
    /// A staff member queued a failed email again.
    case mailRetried = "mail.retried"

    public var label: String {
        switch self {
        case .mailRetried: "Email retried"
        }
    }
}
