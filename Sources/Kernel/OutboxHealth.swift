public import Foundation

/// The event outbox at a glance, for the staff console's dashboard.
public struct OutboxHealth: Sendable, Equatable {
    /// Events not yet delivered to every subscriber.
    public let pending: Int
    /// Events given up on after their last attempt; they wait for an operator.
    public let deadLettered: Int
    public let oldestPendingAt: Date?

    public init(pending: Int, deadLettered: Int, oldestPendingAt: Date?) {
        self.pending = pending
        self.deadLettered = deadLettered
        self.oldestPendingAt = oldestPendingAt
    }
}

/// An event given up on after its last attempt, as the staff console lists it.
public struct OutboxDeadLetter: Sendable, Equatable {
    public let id: EventID
    public let tenantID: TenantID
    public let eventType: String
    public let attempts: Int
    public let lastError: String?
    public let createdAt: Date

    public init(id: EventID, tenantID: TenantID, eventType: String, attempts: Int, lastError: String?, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.eventType = eventType
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
    }
}
