/// What staff and operators do to the platform's own machinery (no module owns it): the
/// outbox between modules.
public enum PlatformAuditAction: String, AuditAction {
    case outboxEventRetried = "outbox.event_retried"

    public var label: String {
        switch self {
        case .outboxEventRetried: "Dead-lettered event queued again"
        }
    }
}
