public import Foundation

/// One entry of the append-only audit log: who did what to which record, in which request,
/// and what the record looked like before and after. Written in the transaction of the change.
public struct AuditEvent: Sendable, Equatable {
    public let id: UUID
    public let tenantID: TenantID?
    public let actorUserID: UserID?
    /// The staff member who acted, for changes made in the staff console.
    public let actorStaffID: StaffID?
    /// The stored name of an `AuditAction`: `user.role_changed`, `session.login_failed`.
    public let action: String
    /// What was acted on: `user/<id>`.
    public let target: String?
    public let requestID: String?
    /// JSON objects (as text, `AuditSnapshot.json`), when something changed.
    public let before: String?
    public let after: String?
    /// Why, where the actor was asked (a staff member suspending a tenant).
    public let reason: String?
    public let occurredAt: Date

    /// A new entry, as a module writes it: a declared action, typed snapshots.
    public init<Action: AuditAction>(
        id: UUID = .v7(), tenantID: TenantID?, actorUserID: UserID?, action: Action, target: String?,
        requestID: String?, before: AuditSnapshot? = nil, after: AuditSnapshot? = nil, actorStaffID: StaffID? = nil,
        reason: String? = nil, occurredAt: Date
    ) {
        self.init(recorded: id, tenantID: tenantID, actorUserID: actorUserID, action: action.rawValue, target: target,
                  requestID: requestID, before: before?.json, after: after?.json, actorStaffID: actorStaffID,
                  reason: reason, occurredAt: occurredAt)
    }

    /// An entry read back from the log, as it was stored. Only the log's reader uses this: a
    /// writer names an `AuditAction`, never a string.
    public init(recorded id: UUID, tenantID: TenantID?, actorUserID: UserID?, action: String, target: String?,
                requestID: String?, before: String?, after: String?, actorStaffID: StaffID?, reason: String?,
                occurredAt: Date) {
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
