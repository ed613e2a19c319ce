public import NIOCore
import Synchronization

/// A SwiftNIO event loop as a task executor (SE-0417): tasks that prefer it run their code on
/// that loop's thread.
///
/// Why: by default a task resumes on Swift's global executor, so a request's work, its
/// database answers and its HTTP writes would cross between the pool's threads and the loop
/// that owns its connection, and the scheduler's wake-ups were the largest item in Keel's profile
/// (docs/benchmarks.md, S1). A request that prefers its connection's loop runs, resumes after
/// each database answer, and writes its answer on one thread
/// (`HTTPServerBuilder.http1(configuration:onEventLoop:)` in Web).
///
/// The cost: work in a request runs on an event loop, so it must not block it. Nothing in Keel
/// does (Argon2id runs on the hasher's own threads, files through non-blocking I/O).
public final class EventLoopExecutor: TaskExecutor, Sendable {
    public let eventLoop: any EventLoop

    private init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// The executor of `eventLoop`: one per loop, made on first use.
    public static func of(_ eventLoop: any EventLoop) -> EventLoopExecutor {
        executors.withLock { executors in
            let key = ObjectIdentifier(eventLoop)
            if let executor = executors[key] { return executor }
            let executor = EventLoopExecutor(eventLoop)
            executors[key] = executor
            return executor
        }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopExecutor]>([:])
}
