import Dispatch
public import NIOCore

/// The executor of one HTTP connection's task: it runs the task on the connection's event loop
/// when the loop is what woke it (a request arrived), and on Swift's global pool when anything
/// else did (a handler that ran there returned).
///
/// Why: the task should not cross threads to read the next request, and neither should it
/// cross back to the loop after a request handled on the pool (a health probe): each crossing
/// is a wake-up. The choice is made per wake-up, from the thread that enqueues, so the task
/// follows its work instead of being pinned to one side (docs/benchmarks.md, "Connections on
/// their event loops").
///
/// The pool's jobs go through Dispatch's global queue and run with this executor as the current
/// one. Handed to `globalConcurrentExecutor` instead, a job would run there as a different
/// executor than the task prefers, and the runtime would move it back here at its next
/// suspension, and from here back there.
public final class ConnectionExecutor: TaskExecutor, Sendable {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if eventLoop.inEventLoop {
            eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        } else {
            DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }
}
