import Dispatch
public import NIOCore
public import Synchronization

/// The executor of one HTTP connection's task: it runs the task on the connection's event loop
/// while the connection serves requests that wait on PostgreSQL, and on Swift's global pool
/// while it serves anything else (a health probe). The server sets `side` as each request
/// starts; the task moves at its next wake-up (a database answer, the next request).
///
/// Why: on the loop, a request's database answers resume it, and its answer is written, on the
/// thread that does the connection's I/O, with no crossing to the pool and back; a probe, which
/// waits on nothing, is better off on the pool, where its handling overlaps the loops' parsing
/// (docs/benchmarks.md, "Connections on their event loops"). Deciding per connection from the
/// request it serves keeps a stream of either kind free of hops. Only a connection whose first
/// request waits on PostgreSQL gets one: a preference costs every hop of its task a lock
/// (architecture note 75), which a stream of probes has no use for ("Probes without a
/// preference").
///
/// The pool's jobs go through Dispatch's global queue and run with this executor as the current
/// one. Handed to `globalConcurrentExecutor` instead, a job would run there as another executor
/// than the one its task prefers, and the runtime would enqueue it here again at each change of
/// isolation.
public final class ConnectionExecutor: TaskExecutor, Sendable {
    public enum Side: UInt8, AtomicRepresentable, Sendable { case eventLoop, pool }

    public let eventLoop: any EventLoop
    private let current: Atomic<Side>

    /// Starts on the pool, where Hummingbird starts a connection's task.
    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.current = Atomic(.pool)
    }

    /// Where the task runs from its next wake-up on.
    public var side: Side {
        get { current.load(ordering: .relaxed) }
        set { current.store(newValue, ordering: .relaxed) }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        switch side {
        case .eventLoop: eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        case .pool: DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }
}
