internal import PostgresPipeline
internal import Synchronization

/// The process's connections (`PipelineConnection`s), leased one transaction at a time.
///
/// A lease that finds a free connection, or room to open one, takes it at once: no timer, no
/// task. Only a lease that has to wait gets a deadline — the pool's own wait limit — and is told
/// "database unavailable" when it passes; a connection freed after that goes to the next waiter.
/// A connection the server closed is dropped when it is handed back or found idle, and a new one
/// is opened on demand; one that cannot be opened fails the lease at once (libpq says why), so
/// a stopped database answers 503 without waiting.
final class ConnectionPool: Sendable {
    let conninfo: String
    let size: Int
    let waitLimit: Duration

    fileprivate struct State {
        var idle: [PipelineConnection] = []
        /// Connections open or being opened, leased or idle.
        var open = 0
        var waiters: [UInt64: CheckedContinuation<Grant, any Error>] = [:]
        var order: [UInt64] = []
        var nextWaiter: UInt64 = 0
        var closed = false
    }
    /// What a waiting lease is given: a connection, or room to open one.
    fileprivate enum Grant: Sendable { case connection(PipelineConnection), room }
    private let state = Mutex(State())
    /// Jobs sent through this pool's transactions, each one round trip (`DatabasePool.roundTrips`).
    private let jobs = Atomic<Int>(0)

    init(conninfo: String, size: Int, waitLimit: Duration) {
        self.conninfo = conninfo
        self.size = max(1, size)
        self.waitLimit = waitLimit
    }

    var roundTrips: Int { jobs.load(ordering: .relaxed) }

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
        let connection = try await take()
        metrics.leases.add(1, ordering: .relaxed)
        metrics.leaseWaitNanoseconds.add(StorageMetrics.nanoseconds(.now - asked), ordering: .relaxed)
        metrics.inUse.add(1, ordering: .relaxed)
        return connection
    }

    /// Runs a one-shot job — statements ending in one Sync, each job its own implicit
    /// transaction, needing no lease — on the least loaded idle connection, beside other
    /// one-shot jobs in its pipeline (a lease taken meanwhile queues behind them). Only when no
    /// connection is idle, or every idle one is busy and there is room for another, does it
    /// lease one for itself.
    ///
    /// A shared job may queue behind another one held up by a lock, so its caller waits at most
    /// the wait limit in all (the poller keeps the deadline), then gets "database
    /// unavailable" like a lease that found no connection; the statements, reads, still run.
    ///
    /// The job is queued on the connection under the pool's lock, so it is queued before any
    /// lease of that connection can send its `begin`: a one-shot job never lands inside another
    /// request's transaction. The poller is woken after the lock is released.
    func runShared(_ statements: [Statement]) async throws -> [ResultSet] {
        let shared: [ResultSet]? = try await withCheckedThrowingContinuation { continuation in
            let handedTo = state.withLock { s -> (connection: PipelineConnection, owesWakeUp: Bool)? in
                guard let connection = s.sharedConnection(size: size) else { return nil }
                return (connection, connection.enqueue(statements, timeout: waitLimit) { continuation.resume(with: $0.map { Optional($0) }) })
            }
            guard let handedTo else { return continuation.resume(returning: nil) }
            if handedTo.owesWakeUp { handedTo.connection.wakeUp() }
        }
        if let shared { return shared }
        let connection = try await lease()
        defer { release(connection) }
        return try await connection.run(statements)
    }

    private func take() async throws -> PipelineConnection {
        enum Next { case use(PipelineConnection), open, wait(UInt64), closed }
        let next = state.withLock { s -> Next in
            if s.closed { return .closed }
            while let connection = s.idle.popLast() {
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

    /// Hands a leased connection back: to the longest waiter, else to the idle list. A closed
    /// one is dropped, and its room goes to a waiter.
    func release(_ connection: PipelineConnection) {
        StorageMetrics.shared.inUse.subtract(1, ordering: .relaxed)
        let (waiter, grant) = state.withLock { s -> (CheckedContinuation<Grant, any Error>?, Grant?) in
            if connection.isClosed || s.closed {
                s.open -= 1
                if s.closed { connection.close() }
                guard !s.closed, let waiter = s.popWaiter() else { return (nil, nil) }
                s.open += 1
                return (waiter, .room)
            }
            if let waiter = s.popWaiter() { return (waiter, .connection(connection)) }
            s.idle.append(connection)
            return (nil, nil)
        }
        if let waiter, let grant { waiter.resume(returning: grant) }
    }

    /// Closes the idle connections and, as they come back, the leased ones; waiting leases fail.
    func close() {
        let (idle, waiters) = state.withLock { s in
            s.closed = true
            defer { s.idle = []; s.waiters = [:]; s.order = [] }
            s.open -= s.idle.count
            return (s.idle, Array(s.waiters.values))
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.resume(throwing: DatabaseError.unavailable("the connection pool closed")) }
    }

    private func open() async throws -> PipelineConnection {
        do {
            return try await PipelineConnection.connect(conninfo)
        } catch {
            // The room is given back: to a waiter, who tries for itself, or to no one.
            let waiter = state.withLock { s -> CheckedContinuation<Grant, any Error>? in
                guard let waiter = s.popWaiter() else { s.open -= 1; return nil }
                return waiter
            }
            waiter?.resume(returning: .room)
            throw DatabaseError.unavailable(String(describing: error))
        }
    }

    /// Waits for a connection until the wait limit; the deadline is the only timer, and only
    /// waiting leases have one.
    private func wait(_ ticket: UInt64) async throws -> Grant {
        let metrics = StorageMetrics.shared
        let deadline = Task { [waitLimit] in
            try await Task.sleep(for: waitLimit)
            if let waiter = state.withLock({ $0.removeWaiter(ticket) }) {
                metrics.leaseTimeouts.add(1, ordering: .relaxed)
                waiter.resume(throwing: DatabaseError.unavailable("no connection within \(waitLimit)"))
            }
        }
        defer { deadline.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // A connection freed (or room made) since the lease looked is taken now.
                let now = state.withLock { s -> Result<Grant, any Error>? in
                    if s.closed { return .failure(DatabaseError.unavailable("the connection pool closed")) }
                    if let connection = s.idle.popLast() { return .success(.connection(connection)) }
                    if s.open < size {
                        s.open += 1
                        return .success(.room)
                    }
                    s.waiters[ticket] = continuation
                    s.order.append(ticket)
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            state.withLock { $0.removeWaiter(ticket) }?.resume(throwing: CancellationError())
        }
    }
}

extension ConnectionPool.State {
    /// The least loaded idle connection for a one-shot job; `nil` when none is idle, or when
    /// every idle one is busy and there is room to open another. Closed ones are dropped.
    fileprivate mutating func sharedConnection(size: Int) -> PipelineConnection? {
        var best: PipelineConnection?, least = Int.max
        var index = idle.count - 1
        while index >= 0 {
            let connection = idle[index]
            if connection.isClosed {
                idle.remove(at: index)
                open -= 1
            } else if connection.load < least {
                (best, least) = (connection, connection.load)
            }
            index -= 1
        }
        return least > 0 && open < size ? nil : best
    }

    fileprivate mutating func popWaiter() -> CheckedContinuation<ConnectionPool.Grant, any Error>? {
        while !order.isEmpty {
            let ticket = order.removeFirst()
            if let waiter = waiters.removeValue(forKey: ticket) { return waiter }
        }
        return nil
    }

    fileprivate mutating func removeWaiter(_ ticket: UInt64) -> CheckedContinuation<ConnectionPool.Grant, any Error>? {
        waiters.removeValue(forKey: ticket)
    }
}
