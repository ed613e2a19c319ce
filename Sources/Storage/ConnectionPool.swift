internal import NIOCore
internal import PostgresPipeline
internal import Synchronization

/// The process's connections (`PipelineConnection`s), leased one transaction at a time.
///
/// A lease that finds a free connection, or room to open one, takes it at once: no timer, no
/// task. A lease that has to wait queues, oldest first, and is told "database unavailable" when
/// the pool's wait limit passes; a connection freed after that goes to the next waiter.
/// A connection the server closed is dropped when it is handed back or found idle, and a new one
/// is opened on demand; one that cannot be opened fails the lease at once (libpq says why), so
/// a stopped database answers 503 without waiting.
///
/// One-shot jobs (`runShared`) never hold a connection: they ride in an idle one's pipeline or,
/// when every connection is leased, queue with the leases and are sent on the next connection
/// handed back, all together, before that connection goes on to the lease behind them.
final class ConnectionPool: Sendable {
    let conninfo: String
    let size: Int
    let waitLimit: Duration
    /// Where new connections are read (`nil`: NIO's singleton group).
    let eventLoops: (any EventLoopGroup)?

    fileprivate struct State {
        var idle: [PipelineConnection] = []
        /// Connections open or being opened, leased or idle.
        var open = 0
        /// Leases and one-shot jobs waiting for a connection, by ticket; `order` is their queue.
        var waiters: [UInt64: Waiter] = [:]
        var order: [UInt64] = []
        var nextWaiter: UInt64 = 0
        /// Whether the task that fails waiters at their deadline is running (`keepDeadlines`).
        var keepingDeadlines = false
        var closed = false
    }
    /// What a waiting lease is given: a connection, or room to open one.
    fileprivate enum Grant: Sendable { case connection(PipelineConnection), room }
    /// How a one-shot job ended up: answered on a shared connection, or it must lease one (the
    /// pool had room, or was given room while it waited).
    fileprivate enum Shared: Sendable { case answered([ResultSet]), lease, room }
    private let state = Mutex(State())
    /// Jobs sent through this pool's transactions, each one round trip (`DatabasePool.roundTrips`).
    private let jobs = Atomic<Int>(0)
    /// Connections handed out for a caller's sole use: what a test counts to show that one-shot
    /// jobs took none.
    private let leasesGranted = Atomic<Int>(0)

    init(conninfo: String, size: Int, waitLimit: Duration, eventLoops: (any EventLoopGroup)? = nil) {
        self.conninfo = conninfo
        self.size = max(1, size)
        self.waitLimit = waitLimit
        self.eventLoops = eventLoops
    }

    var roundTrips: Int { jobs.load(ordering: .relaxed) }
    var leases: Int { leasesGranted.load(ordering: .relaxed) }
    /// Leases and one-shot jobs waiting for a connection now.
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Counts a job about to be sent: here, and in the process's metrics.
    func countRoundTrip() {
        jobs.add(1, ordering: .relaxed)
        StorageMetrics.shared.roundTrips.add(1, ordering: .relaxed)
    }

    /// A connection for the caller alone until `release`, counted in the pool's metrics.
    func lease() async throws -> PipelineConnection {
        let metrics = StorageMetrics.shared, asked = ContinuousClock.now
        metrics.waiting.add(1, ordering: .relaxed)
        defer { metrics.waiting.subtract(1, ordering: .relaxed) }
        return counted(try await take(), askedAt: asked)
    }

    /// `connection`, handed to a caller's sole use, counted here and in the process's metrics.
    private func counted(_ connection: PipelineConnection, askedAt asked: ContinuousClock.Instant) -> PipelineConnection {
        let metrics = StorageMetrics.shared
        leasesGranted.add(1, ordering: .relaxed)
        metrics.leases.add(1, ordering: .relaxed)
        metrics.leaseWaitNanoseconds.add(StorageMetrics.nanoseconds(.now - asked), ordering: .relaxed)
        metrics.inUse.add(1, ordering: .relaxed)
        return connection
    }

    /// Runs a one-shot job — statements ending in one Sync, each job its own implicit
    /// transaction, needing no lease — on the least loaded idle connection, beside other
    /// one-shot jobs in its pipeline (a lease taken meanwhile queues behind them). When there is
    /// room for another connection and none idle is free of work, it leases one for itself.
    /// When every connection is leased, it waits in the lease queue and goes on the next
    /// connection handed back, without taking it.
    ///
    /// Why not lease then: a job that leases holds a whole connection for one round trip, and
    /// hands it straight to the next waiter, so once the leases queue (a burst of writes) every
    /// read leased too and the queue never drained — the pool stopped pipelining until the load
    /// stopped, at half the throughput (docs/benchmarks.md, "Two states").
    ///
    /// A shared job may queue behind another one held up by a lock, so its caller waits at most
    /// the wait limit in all (the connection's reader keeps the deadline once the job is sent),
    /// then gets "database unavailable" like a lease that found no connection; the statements,
    /// reads, still run.
    ///
    /// The job is queued on the connection under the pool's lock, so it is queued before any
    /// lease of that connection can send its `begin`: a one-shot job never lands inside another
    /// request's transaction. The connection is woken after the lock is released.
    func runShared(_ statements: [Statement]) async throws -> [ResultSet] {
        let outcome: Shared = try await withCheckedThrowingContinuation { continuation in
            enum Next { case sent(owesWakeUp: PipelineConnection?), lease, waiting(startKeeper: Bool), closed }
            let next = state.withLock { s -> Next in
                if s.closed { return .closed }
                if let connection = s.sharedConnection(size: size) {
                    return .sent(owesWakeUp: Self.send(statements, on: connection, timeout: waitLimit, to: continuation) ? connection : nil)
                }
                if s.open < size { return .lease }
                return .waiting(startKeeper: s.enqueue(Waiter(.shared(statements, continuation), deadline: .now + waitLimit)))
            }
            switch next {
            case .sent(let owesWakeUp): owesWakeUp?.wakeUp()
            case .lease: continuation.resume(returning: .lease)
            case .waiting(let startKeeper): if startKeeper { startKeepingDeadlines() }
            case .closed: continuation.resume(throwing: DatabaseError.unavailable("the connection pool is closed"))
            }
        }
        let connection: PipelineConnection
        switch outcome {
        case .answered(let results): return results
        case .lease: connection = try await lease()
        case .room: connection = counted(try await open(), askedAt: .now)
        }
        defer { release(connection) }
        return try await connection.run(statements)
    }

    /// Queues a one-shot job on `connection` (under the pool's lock); true when the caller owes
    /// the connection a wake-up once the lock is released.
    private static func send(_ statements: [Statement], on connection: PipelineConnection, timeout: Duration,
                             to continuation: CheckedContinuation<Shared, any Error>) -> Bool {
        connection.enqueue(statements, timeout: timeout) { continuation.resume(with: $0.map(Shared.answered)) }
    }

    private func take() async throws -> PipelineConnection {
        enum Next { case use(PipelineConnection), open, wait(UInt64), closed }
        let next = state.withLock { s -> Next in
            if s.closed { return .closed }
            while let connection = s.takeIdle() {
                if !connection.isClosed { return .use(connection) }
                s.open -= 1
            }
            if s.open < size {
                s.open += 1
                return .open
            }
            s.nextWaiter += 1
            return .wait(s.nextWaiter)
        }
        switch next {
        case .use(let connection): return connection
        case .open: return try await open()
        case .closed: throw DatabaseError.unavailable("the connection pool is closed")
        case .wait(let ticket):
            switch try await wait(ticket) {
            case .connection(let connection): return connection
            case .room: return try await open()
            }
        }
    }

    /// Hands a leased connection back: first to the one-shot jobs at the head of the queue, all
    /// sent on it together, then to the longest waiting lease, else to the idle list. A closed
    /// one is dropped, and its room goes to the first waiter.
    func release(_ connection: PipelineConnection) {
        StorageMetrics.shared.inUse.subtract(1, ordering: .relaxed)
        let (handover, owesWakeUp) = state.withLock { s -> (Handover?, Bool) in
            if connection.isClosed || s.closed {
                s.open -= 1
                if s.closed { connection.close() }
                guard !s.closed, let waiter = s.popWaiter() else { return (nil, false) }
                s.open += 1
                return (.room(waiter), false)
            }
            var owesWakeUp = false
            while let waiter = s.popWaiter() {
                switch waiter.kind {
                case .lease(let continuation):
                    return (.connection(connection, to: continuation), owesWakeUp)
                case .shared(let statements, let continuation):
                    owesWakeUp = Self.send(statements, on: connection, timeout: waiter.deadline - .now, to: continuation) || owesWakeUp
                }
            }
            s.idle.append(connection)
            return (nil, owesWakeUp)
        }
        if owesWakeUp { connection.wakeUp() }
        handover?.give()
    }

    /// Closes the idle connections and, as they come back, the leased ones; waiting leases and
    /// jobs fail.
    func close() {
        let (idle, waiters) = state.withLock { s in
            s.closed = true
            defer { s.idle = []; s.waiters = [:]; s.order = [] }
            s.open -= s.idle.count
            return (s.idle, Array(s.waiters.values))
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.fail(DatabaseError.unavailable("the connection pool closed")) }
    }

    private func open() async throws -> PipelineConnection {
        do {
            return try await PipelineConnection.connect(conninfo, on: eventLoops?.next())
        } catch {
            // The room is given back: to a waiter, who tries for itself, or to no one.
            let waiter = state.withLock { s -> Waiter? in
                guard let waiter = s.popWaiter() else { s.open -= 1; return nil }
                return waiter
            }
            if let waiter { Handover.room(waiter).give() }
            throw DatabaseError.unavailable(String(describing: error))
        }
    }

    /// Waits in the queue for a connection, until the wait limit.
    private func wait(_ ticket: UInt64) async throws -> Grant {
        let deadline = ContinuousClock.now + waitLimit
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // A connection freed (or room made) since the lease looked is taken now.
                let (now, startKeeper) = state.withLock { s -> (Result<Grant, any Error>?, Bool) in
                    if s.closed { return (.failure(DatabaseError.unavailable("the connection pool closed")), false) }
                    if let connection = s.idle.popLast() { return (.success(.connection(connection)), false) }
                    if s.open < size {
                        s.open += 1
                        return (.success(.room), false)
                    }
                    return (nil, s.enqueue(Waiter(.lease(continuation), deadline: deadline), ticket: ticket))
                }
                if let now { continuation.resume(with: now) }
                if startKeeper { startKeepingDeadlines() }
            }
        } onCancel: {
            state.withLock { $0.removeWaiter(ticket) }?.fail(CancellationError())
        }
    }

    private func startKeepingDeadlines() {
        Task { [self] in await keepDeadlines() }
    }

    /// Fails each waiter at its deadline. One task, while anyone waits, sleeping until the
    /// oldest waiter's deadline (every waiter has the same limit, so the queue's order is the
    /// deadlines' order) — not a sleeping task per waiter: under a steady queue, a task and a
    /// Dispatch timer for each waiting lease, cancelled when it got its connection, cost more
    /// CPU than the requests (docs/benchmarks.md, "Two states").
    private func keepDeadlines() async {
        let metrics = StorageMetrics.shared
        while true {
            let (late, next) = state.withLock { $0.removeWaiters(lateAt: .now) }
            for waiter in late {
                metrics.leaseTimeouts.add(1, ordering: .relaxed)
                waiter.fail(DatabaseError.unavailable("no connection within \(waitLimit)"))
            }
            guard let next else { return }
            try? await Task.sleep(until: next, clock: .continuous)
        }
    }
}

/// A lease or a one-shot job waiting for a connection.
private struct Waiter {
    enum Kind {
        case lease(CheckedContinuation<ConnectionPool.Grant, any Error>)
        /// Sent on the next connection handed back; given room, it leases one (`runShared`).
        case shared([Statement], CheckedContinuation<ConnectionPool.Shared, any Error>)
    }
    let kind: Kind
    let deadline: ContinuousClock.Instant

    init(_ kind: Kind, deadline: ContinuousClock.Instant) {
        self.kind = kind
        self.deadline = deadline
    }

    func fail(_ error: any Error) {
        switch kind {
        case .lease(let continuation): continuation.resume(throwing: error)
        case .shared(_, let continuation): continuation.resume(throwing: error)
        }
    }
}

/// What a handed-back connection, or room to open one, gives a waiter: resumed after the pool's
/// lock is released. (A one-shot job is never given a connection: it is sent on it.)
private enum Handover {
    case connection(PipelineConnection, to: CheckedContinuation<ConnectionPool.Grant, any Error>)
    case room(Waiter)

    func give() {
        switch self {
        case .connection(let connection, let continuation): continuation.resume(returning: .connection(connection))
        case .room(let waiter):
            switch waiter.kind {
            case .lease(let continuation): continuation.resume(returning: .room)
            case .shared(_, let continuation): continuation.resume(returning: .room)
            }
        }
    }
}

extension ConnectionPool.State {
    /// The least loaded idle connection for a one-shot job, and of those one whose answers are
    /// read by the event loop the caller runs on (its job is sent, and its answer resumes it,
    /// with no thread crossed); `nil` when none is idle, or when every idle one is busy and there
    /// is room to open another. Closed ones are dropped.
    fileprivate mutating func sharedConnection(size: Int) -> PipelineConnection? {
        var best: PipelineConnection?, least = Int.max, bestIsHere = false
        var index = idle.count - 1
        while index >= 0 {
            let connection = idle[index]
            if connection.isClosed {
                idle.remove(at: index)
                open -= 1
            } else if connection.load <= least {
                let isHere = connection.isLocal
                if connection.load < least || (isHere && !bestIsHere) {
                    (best, least, bestIsHere) = (connection, connection.load, isHere)
                }
            }
            index -= 1
        }
        return least > 0 && open < size ? nil : best
    }

    /// An idle connection for a lease: one read by the caller's event loop if there is one (the
    /// transaction's round trips then cross no thread), else the one handed back last.
    fileprivate mutating func takeIdle() -> PipelineConnection? {
        if let index = idle.lastIndex(where: \.isLocal) { return idle.remove(at: index) }
        return idle.popLast()
    }

    /// Queues `waiter` (under `ticket`, or a new one); true when the caller must start the
    /// deadline keeper.
    fileprivate mutating func enqueue(_ waiter: Waiter, ticket: UInt64? = nil) -> Bool {
        let ticket = ticket ?? { nextWaiter += 1; return nextWaiter }()
        waiters[ticket] = waiter
        order.append(ticket)
        guard !keepingDeadlines else { return false }
        keepingDeadlines = true
        return true
    }

    fileprivate mutating func popWaiter() -> Waiter? {
        while !order.isEmpty {
            let ticket = order.removeFirst()
            if let waiter = waiters.removeValue(forKey: ticket) { return waiter }
        }
        return nil
    }

    fileprivate mutating func removeWaiter(_ ticket: UInt64) -> Waiter? {
        waiters.removeValue(forKey: ticket)
    }

    /// Takes the waiters whose deadline has passed, from the head of the queue, and says when
    /// the next one's comes; `nil` (and the keeper stops) when no one waits.
    fileprivate mutating func removeWaiters(lateAt now: ContinuousClock.Instant) -> (late: [Waiter], next: ContinuousClock.Instant?) {
        var late: [Waiter] = []
        while let ticket = order.first {
            guard let waiter = waiters[ticket] else {
                order.removeFirst()  // answered or cancelled already
                continue
            }
            guard waiter.deadline <= now else { return (late, waiter.deadline) }
            order.removeFirst()
            waiters[ticket] = nil
            late.append(waiter)
        }
        keepingDeadlines = false
        return (late, nil)
    }
}
