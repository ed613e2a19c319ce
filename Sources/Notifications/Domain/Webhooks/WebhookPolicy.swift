import Foundation
import Kernel

/// The rules and numbers of outbound webhooks (docs/webhooks.md), in one place.
public struct WebhookPolicy: Sendable {
    /// Endpoints a tenant may have.
    public var maxEndpoints = 10
    /// How long a rotated-out secret keeps signing alongside the new one.
    public var rotationOverlap: Duration = .seconds(24 * 3600)
    /// Standard Webhooks' example schedule: the first attempt at once, then each wait after a
    /// failure; when the waits run out the delivery has failed.
    public var schedule: [Duration] = [.zero, .seconds(5), .seconds(300), .seconds(1800), .seconds(7200),
                                       .seconds(18_000), .seconds(36_000), .seconds(36_000)]
    /// Each wait is stretched by up to this fraction at random, so failures at one moment do
    /// not all retry at the same moment.
    public var jitter = 0.1
    /// How long one attempt may take, connect to last byte.
    public var timeout: Duration = .seconds(15)
    /// The longest `Retry-After` honoured (longer is capped to it).
    public var maxRetryAfter: Duration = .seconds(36_000)
    /// The response kept in the attempt log.
    public var responseCapture = 4096
    /// How long the attempt log is kept.
    public var attemptRetention: Duration = .seconds(30 * 86_400)
    /// An endpoint failing this long with no success is disabled.
    public var disableAfter: Duration = .seconds(5 * 86_400)
    /// `http://` endpoints (development only; an operator setting).
    public var allowHTTP = false
    /// Loopback and private addresses (tests only; an operator setting, logged loudly).
    public var allowPrivateAddresses = false

    public init() {}

    /// When to try again after `attempts` failed attempts, or nil when the schedule is spent.
    /// `retryAfter` (from a 429 or 503) is honoured when it asks for longer.
    func nextAttempt(after attempts: Int, now: Date, retryAfter: Duration?, random: Double) -> Date? {
        guard attempts < schedule.count else { return nil }
        var wait = Self.seconds(schedule[attempts]) * (1 + jitter * random)
        if let retryAfter { wait = max(wait, Self.seconds(min(retryAfter, maxRetryAfter))) }
        return now.addingTimeInterval(wait)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
