/// What staff and operators do through the platform's own machinery (no module owns it): the
/// outbox between modules, the export that reads every module's tables.
public enum PlatformAuditAction: String, AuditAction {
    case outboxEventRetried = "outbox.event_retried"
    case tenantExported = "tenant.exported"

    public var label: String {
        switch self {
        case .outboxEventRetried: "Dead-lettered event queued again"
        case .tenantExported: "Tenant exported (every row)"
        }
    }
}
