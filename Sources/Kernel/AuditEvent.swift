public import Foundation

/// One entry of the append-only audit log: who did what to which record, in which request,
/// and what the record looked like before and after. Written in the transaction of the change.
public struct AuditEvent: Sendable, Equatable {
    public let id: UUID
    public let tenantID: TenantID?
    public let actorUserID: UserID?
    /// The staff member who acted, for changes made in the staff console.
    public let actorStaffID: StaffID?
    /// A dotted verb: `user.role_changed`, `session.login_failed`.
    public let action: String
    /// What was acted on: `user/<id>`.
    public let target: String?
    public let requestID: String?
    /// JSON objects (as text), when something changed.
    public let before: String?
    public let after: String?
    /// Why, where the actor was asked (a staff member suspending a tenant).
    public let reason: String?
    public let occurredAt: Date

    public init(id: UUID = .v7(), tenantID: TenantID?, actorUserID: UserID?, action: String, target: String?,
                requestID: String?, before: String? = nil, after: String? = nil, actorStaffID: StaffID? = nil,
                reason: String? = nil, occurredAt: Date = Date()) {
        self.id = id
        self.tenantID = tenantID
        self.actorUserID = actorUserID
        self.actorStaffID = actorStaffID
        self.reason = reason
        self.action = action
        self.target = target
        self.requestID = requestID
        self.before = before
        self.after = after
        self.occurredAt = occurredAt
    }
}

/// What the staff console's audit page narrows the log by; `nil` means any.
public struct AuditFilter: Sendable, Equatable {
    public var tenantID: TenantID?
    /// Entries whose actor (a user or a staff member) is any of these.
    public var actorIDs: [UUID]?
    /// A prefix of the action: `user.` finds every user action.
    public var action: String?
    /// Exactly this target: `user/<id>`.
    public var target: String?
    public var from: Date?
    /// Exclusive.
    public var to: Date?

    public init(tenantID: TenantID? = nil, actorIDs: [UUID]? = nil, action: String? = nil, target: String? = nil,
                from: Date? = nil, to: Date? = nil) {
        self.tenantID = tenantID
        self.actorIDs = actorIDs
        self.action = action
        self.target = target
        self.from = from
        self.to = to
    }
}
