public import Foundation
internal import Synchronization

/// Where Keel reads the time of day. The composition root gives one to the pool, and every
/// transaction reads it (`tx.now`); nothing else calls `Date()`, so a test can set the time and
/// move it (a trial that ends in 14 days is tested by advancing a `ManualClock` 14 days, never
/// by sleeping). Queue leases and retries stay on PostgreSQL's `now()` (architecture note 34).
///
/// ```swift
/// let expiresAt = clock.now.addingTimeInterval(600)
/// try await clock.sleep(until: renewal)   // a scheduler waiting for the next due time
/// ```
///
/// Named apart from the standard library's `Clock` (monotonic instants, used for timeouts and
/// measuring durations, which stay on `ContinuousClock`): this one tells calendar time.
public protocol WallClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Returns at `deadline` (at once when it has passed); throws `CancellationError` when the
    /// task is cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The machine's clock: what production runs on.
public struct SystemClock: WallClock {
    public init() {}

    public var now: Date { Date() }

    /// Sleeps in steps of the monotonic clock until the wall clock reads `deadline`, so a wall
    /// clock stepped back (NTP) does not end the sleep early.
    public func sleep(until deadline: Date) async throws {
        while true {
            let seconds = deadline.timeIntervalSince(now)
            guard seconds > 0 else { return try Task.checkCancellation() }
            try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
        }
    }
}

/// A clock that stands still until a test moves it. Sleepers wake when `advance(by:)` or
/// `set(_:)` reaches their deadline, so a test of a renewal at the end of a period runs in
/// microseconds and the same way every time.
public final class ManualClock: WallClock {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [UUID: Sleeper] = [:]
    }

    private let state: Mutex<State>

    /// Starts at `now`; by default a fixed, round instant (2026-01-01T00:00:00Z), so tests do
    /// not depend on the day they run.
    public init(_ now: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        state = Mutex(State(now: now))
    }

    public var now: Date { state.withLock { $0.now } }

    /// Moves the clock forward by `seconds` (never backward) and wakes the sleepers it passes.
    public func advance(by seconds: TimeInterval) {
        precondition(seconds >= 0, "a clock does not run backward")
        move { $0.addingTimeInterval(seconds) }
    }

    /// Sets the time; moving it back is allowed (a test of clock skew) and wakes nobody.
    public func set(_ date: Date) {
        move { _ in date }
    }

    /// Reads and moves the time in one step (two `advance`s at once both count), then wakes
    /// the sleepers whose deadlines it reached, earliest deadline first. A woken sleeper sees
    /// the new time, which may be past its deadline.
    private func move(_ change: (Date) -> Date) {
        let woken = state.withLock { state -> [Sleeper] in
            state.now = change(state.now)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// How many tasks are sleeping on this clock: a test waits for a service to reach its
    /// sleep before moving the clock past it.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Date) async throws {
        let id = UUID.random()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
