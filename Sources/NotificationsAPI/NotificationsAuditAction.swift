public import Kernel

/// Every audit action about Notifications' records.
public enum NotificationsAuditAction: String, AuditAction {
    /// A staff member queued a failed email again.
    case mailRetried = "mail.retried"
    case webhookEndpointCreated = "webhook_endpoint.created"
    case webhookEndpointUpdated = "webhook_endpoint.updated"
    case webhookEndpointDeleted = "webhook_endpoint.deleted"
    case webhookSecretRotated = "webhook_endpoint.secret_rotated"
    case webhookMessageReplayed = "webhook_message.replayed"

    public var label: String {
        switch self {
        case .mailRetried: "Email retried"
        case .webhookEndpointCreated: "Webhook endpoint added"
        case .webhookEndpointUpdated: "Webhook endpoint changed"
        case .webhookEndpointDeleted: "Webhook endpoint removed"
        case .webhookSecretRotated: "Webhook secret rotated"
        case .webhookMessageReplayed: "Webhook message replayed"
        }
    }
}
