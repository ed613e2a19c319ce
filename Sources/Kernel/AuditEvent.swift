public import Foundation

/// One entry of the append-only audit log: who did what to which record, in which request,
/// and what the record looked like before and after. Written in the transaction of the change.
public struct AuditEvent: Sendable, Equatable {
    public let id: UUID
    public let tenantID: TenantID?
    public let actorUserID: UserID?
    /// A dotted verb: `user.role_changed`, `session.login_failed`.
    public let action: String
    /// What was acted on: `user/<id>`.
    public let target: String?
    public let requestID: String?
    /// JSON objects (as text), when something changed.
    public let before: String?
    public let after: String?
    public let occurredAt: Date

    public init(id: UUID = .v7(), tenantID: TenantID?, actorUserID: UserID?, action: String, target: String?,
                requestID: String?, before: String? = nil, after: String? = nil, occurredAt: Date = Date()) {
        self.id = id
        self.tenantID = tenantID
        self.actorUserID = actorUserID
        self.action = action
        self.target = target
        self.requestID = requestID
        self.before = before
        self.after = after
        self.occurredAt = occurredAt
    }
}
