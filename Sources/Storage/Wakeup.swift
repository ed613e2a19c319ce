internal import Synchronization

/// A level-triggered wake-up signal: `signal()` wakes the current (or next) `wait`. The event
/// dispatcher waits on one for a NOTIFY; the webhook sender for a free delivery slot.
public final class Wakeup: Sendable {
    public init() {}
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after `signal()` or after `timeout`, whichever comes first (at once if the
    /// calling task is cancelled).
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns at a signal (a pending one at once) or when the task is cancelled. The waiter is
    /// registered under the lock only if the task is not cancelled by then, and a cancellation
    /// after that resumes it under the same lock: so a timeout, which cancels this, cannot come
    /// between the two and be lost. (Until 2026-12-07 the timeout resumed "the waiter, if any",
    /// and one that came before the waiter was registered left it waiting for a signal that
    /// might never come.) A cancellation never leaves a signal pending: that would make the
    /// next wait return at once, and the one after, and turn the poll into a busy loop.
    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
