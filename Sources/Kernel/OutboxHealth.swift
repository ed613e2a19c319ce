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
