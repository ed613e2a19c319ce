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

    /// Resumes the current waiter, if any, without leaving a signal pending.
    private func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns after `signal()` or after `timeout`, whichever comes first.
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.state.withLock { state -> Bool in
                        if state.pending {
                            state.pending = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
            group.addTask {
                // Timed out, or cancelled because a signal came first (or the caller is
                // cancelled): release the waiter if it is still waiting, but never leave a
                // pending signal behind — that would make the next wait return at once, and
                // the one after, and turn the poll into a busy loop.
                try? await Task.sleep(for: timeout)
                self.release()
            }
            await group.next()
            group.cancelAll()
        }
    }
}
