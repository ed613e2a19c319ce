import Foundation

/// Exponential back-off with jitter, for work retried from a queue (the outbox, the mail queue):
/// `base` doubled per attempt, at most `cap`, then a random point between half and all of it,
/// so retries of many items spread out instead of arriving together.
public struct RetryBackoff: Sendable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration, cap: Duration) {
        self.base = base
        self.cap = cap
    }

    /// The delay before the attempt after `attempt` (counted from 1), in seconds.
    public func seconds(afterAttempt attempt: Int) -> Double {
        let delay = min(cap.seconds, base.seconds * pow(2, Double(max(0, attempt - 1))))
        return delay * Double.random(in: 0.5...1.0)
    }
}

extension Duration {
    /// This duration in (fractional) seconds, as SQL intervals take it.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
