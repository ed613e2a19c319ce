internal import CLibPQ
internal import Foundation
internal import Glibc
internal import Synchronization

/// One PostgreSQL connection through libpq in pipeline mode, driven without blocking Swift's
/// cooperative pool (issue 21; docs/storage.md).
///
/// The connection has its own thread. It waits in `poll(2)` on the connection's socket (libpq in
/// non-blocking mode) and on a wake-up `eventfd`. A caller hands over a *job* — statements that end
/// in one Sync — and suspends; the thread sends every job waiting, each with its own Sync (so one
/// job's error aborts that job only), flushes, and answers each job when its Sync's result
/// arrives. A job is one round trip however many statements it holds, and jobs from different
/// callers travel back to back in one pipeline: waiting callers do not wait for each other's
/// round trips. psycopg 3's async connection is the model (libpq non-blocking, the socket
/// watched by a loop); here the loop is a thread per connection, which the benchmark floor
/// measured (docs/benchmarks.md).
///
/// When the server closes the connection (a restart, a terminated backend), every job sent or
/// waiting fails with `PostgresConnectionError`, and so does every later one: nothing waits for
/// an answer that cannot come.
public final class PipelineConnection: Sendable {
    /// What a job's caller waits for.
    typealias Completion = @Sendable (Result<[ResultSet], any Error>) -> Void

    private let state: Mutex<State>
    /// The thread's wake-up: an `eventfd`, one descriptor per connection (a pipe was two).
    private let wakeUpFD: Int32
    private let loop: Loop
    /// Jobs handed over and not yet answered (a pool sends one-shot work to the least loaded).
    private let outstanding = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    private struct State {
        var submitted: [Job] = []
        var closing = false
    }

    /// Opens a connection described by `conninfo` (libpq's key=value string or a `postgresql://`
    /// URL; the `PG*` environment variables fill in what it leaves out). `notifications`
    /// receives what a LISTEN on this connection hears, on the connection's thread.
    public static func connect(
        _ conninfo: String,
        notifications: (@Sendable (_ channel: String, _ payload: String) -> Void)? = nil
    ) async throws -> PipelineConnection {
        let wakeUpFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeUpFD >= 0 else { throw PostgresConnectionError("could not make a wake-up eventfd (errno \(errno))") }
        let loop = Loop(wakeUpFD: wakeUpFD, notifications: notifications)
        let connection = PipelineConnection(loop: loop, wakeUpFD: wakeUpFD)
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread { loop.run(conninfo, owner: connection, started: started) }
            thread.name = "postgres-connection"
            thread.start()
        }
        return connection
    }

    private init(loop: Loop, wakeUpFD: Int32) {
        self.loop = loop
        self.wakeUpFD = wakeUpFD
        self.state = Mutex(State())
    }

    /// Runs `statements` as one pipeline ending in one Sync: one round trip. Returns each
    /// statement's result, or throws the first statement's error (`PostgresServerError`; the
    /// statements after it did not run) or `PostgresConnectionError`.
    ///
    /// Statements without a `BEGIN` run in one implicit transaction that ends at the Sync, so a
    /// transaction-local `set_config` in the first applies to the rest.
    ///
    /// - Parameter timeout: how long the caller waits for the answer, queueing behind other
    ///   jobs included; then it gets `PostgresConnectionError` and the job's answer, when it comes,
    ///   is dropped (the statements still run: give this only to jobs that may). The connection's
    ///   thread keeps the time (its `poll` wakes for the earliest deadline): no timer per job.
    public func run(_ statements: [Statement], timeout: Duration? = nil) async throws -> [ResultSet] {
        try await withCheckedThrowingContinuation { continuation in
            submit(statements, timeout: timeout) { continuation.resume(with: $0) }
        }
    }

    /// `run` without waiting, in two steps, for a caller that must hand a job over while it
    /// holds a lock of its own (`ConnectionPool`): the job is queued at once, and when this
    /// returns true the caller owes `wakeUp()` — after releasing that lock. `completion` gets the
    /// answer (on the connection's thread, or here if the connection is closed).
    ///
    /// The wake-up is a system call, and the connection's thread, woken by it, takes the lock the
    /// job was queued under at once: written under a lock, it kept that lock held while the
    /// woken thread and the next callers spun on it (docs/benchmarks.md).
    public func enqueue(_ statements: [Statement], timeout: Duration? = nil,
                        completion: @escaping @Sendable (Result<[ResultSet], any Error>) -> Void) -> Bool {
        enqueue(Job(statements, deadline: timeout.map { ContinuousClock.now + $0 }, completion: completion))
    }

    /// `run` without waiting: hands the job over and returns at once; `completion` gets the
    /// answer (on the connection's thread, or here if the connection is closed).
    public func submit(_ statements: [Statement], timeout: Duration? = nil,
                       completion: @escaping @Sendable (Result<[ResultSet], any Error>) -> Void) {
        if enqueue(statements, timeout: timeout, completion: completion) { wakeUp() }
    }

    /// Wakes the connection's thread to send what was queued. The eventfd stays open as long as
    /// the connection exists (it is closed in `deinit`), so this is safe at any time, even
    /// after the connection closed.
    public func wakeUp() {
        var one: UInt64 = 1
        _ = write(wakeUpFD, &one, MemoryLayout<UInt64>.size)
    }

    /// Whether the connection has closed (by `close()` or by the server): every job now fails.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Jobs handed over and not yet answered.
    public var load: Int { outstanding.load(ordering: .relaxed) }

    /// Closes the connection: jobs not yet answered fail, and the thread ends.
    public func close() {
        let first = state.withLock { s in
            defer { s.closing = true }
            return !s.closing
        }
        if first { wakeUp() }
    }

    deinit {
        Glibc.close(wakeUpFD)
    }

    /// Queues `job`; true when the thread must be woken (the queue was empty: the thread wakes
    /// for the first job and takes every one queued by then).
    private func enqueue(_ job: Job) -> Bool {
        outstanding.add(1, ordering: .relaxed)
        let queued = state.withLock { s -> Int in
            guard !s.closing, !closed.load(ordering: .acquiring) else { return 0 }
            s.submitted.append(job)
            return s.submitted.count
        }
        guard queued > 0 else {
            outstanding.subtract(1, ordering: .relaxed)
            job.complete(.failure(PostgresConnectionError("the connection is closed")))
            return false
        }
        return queued == 1
    }

    /// For the thread: the jobs handed over since it last looked, and whether to close.
    fileprivate func takeSubmitted() -> (jobs: [Job], closing: Bool) {
        state.withLock { s in
            defer { s.submitted.removeAll(keepingCapacity: true) }
            return (s.submitted, s.closing)
        }
    }

    /// For the thread, when the connection ends: no job is accepted from now on, and the ones
    /// handed over and not yet taken are returned to be failed.
    fileprivate func markClosed() -> [Job] {
        closed.store(true, ordering: .releasing)
        return state.withLock { s in
            s.closing = true
            defer { s.submitted = [] }
            return s.submitted
        }
    }

    fileprivate func answered() { outstanding.subtract(1, ordering: .relaxed) }
}

/// A job: its statements, and what it has received so far. Mutable only on the connection's
/// thread, after the hand-over through `PipelineConnection.state`.
final class Job: @unchecked Sendable {
    let statements: [Statement]
    private let completion: PipelineConnection.Completion
    var results: [ResultSet] = []
    var error: (any Error)?
    /// What each command sent for this job answers, in order: a Parse (a prepared statement's
    /// first use on this connection) or one of the caller's statements.
    var commands: [Command] = []
    enum Command: Equatable { case parse(String), statement }
    /// Commands whose results have ended: the next result belongs to `commands[finished]`.
    var finished = 0
    /// Prepared statements this job's sending parsed, and those whose Parse succeeded: the
    /// others (failed, or skipped after an earlier error) are forgotten at the Sync.
    var parsed: [String] = []
    var confirmed: Set<String> = []

    /// When the caller stops waiting (`run(_:timeout:)`), and whether it has been answered.
    let deadline: ContinuousClock.Instant?
    private var answered = false

    init(_ statements: [Statement], deadline: ContinuousClock.Instant? = nil,
         completion: @escaping PipelineConnection.Completion) {
        self.statements = statements
        self.deadline = deadline
        self.completion = completion
    }

    /// Answers the caller, once: a job answered at its deadline is not answered again.
    func complete(_ result: Result<[ResultSet], any Error>) {
        guard !answered else { return }
        answered = true
        completion(result)
    }

    /// Answers the caller with a timeout if its deadline has passed (on the connection's thread).
    func expire(at now: ContinuousClock.Instant) {
        guard let deadline, !answered, now >= deadline else { return }
        complete(.failure(PostgresConnectionError("no answer within the time allowed; the statements may still run")))
    }

    var waitingUntil: ContinuousClock.Instant? { answered ? nil : deadline }
}

/// The connection's thread: everything that touches the `PGconn`.
private final class Loop: @unchecked Sendable {
    let wakeUpFD: Int32
    let notifications: (@Sendable (String, String) -> Void)?
    var connection: OpaquePointer?
    /// Jobs sent, in order, not yet answered; `head` is the one results belong to.
    var inFlight: [Job] = []
    var head = 0
    var needsFlush = false
    /// Prepared statements this connection has (or has been sent to have).
    var prepared: Set<String> = []

    init(wakeUpFD: Int32, notifications: (@Sendable (String, String) -> Void)?) {
        self.wakeUpFD = wakeUpFD
        self.notifications = notifications
    }

    func run(_ conninfo: String, owner: PipelineConnection, started: CheckedContinuation<Void, any Error>) {
        guard let connection = PQconnectdb(conninfo) else {
            started.resume(throwing: PostgresConnectionError("libpq could not allocate a connection"))
            return
        }
        self.connection = connection
        guard PQstatus(connection) == CONNECTION_OK else {
            started.resume(throwing: PostgresConnectionError(message(connection)))
            finish(owner, PostgresConnectionError(message(connection)))
            return
        }
        guard PQsetnonblocking(connection, 1) == 0, PQenterPipelineMode(connection) == 1 else {
            started.resume(throwing: PostgresConnectionError(message(connection)))
            finish(owner, PostgresConnectionError(message(connection)))
            return
        }
        started.resume()
        let socket = PQsocket(connection)
        var wakeUps: UInt64 = 0
        while true {
            var fds = [pollfd(fd: socket, events: Int16(POLLIN) | (needsFlush ? Int16(POLLOUT) : 0), revents: 0),
                       pollfd(fd: wakeUpFD, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, pollTimeout()) < 0 {
                if errno == EINTR { continue }
                return finish(owner, PostgresConnectionError("poll failed (errno \(errno))"))
            }
            expireLateJobs()
            if fds[1].revents != 0 {
                _ = read(wakeUpFD, &wakeUps, MemoryLayout<UInt64>.size)  // resets the count
                let (jobs, closing) = owner.takeSubmitted()
                if closing {
                    for job in jobs { owner.answered(); job.complete(.failure(PostgresConnectionError("the connection is closed"))) }
                    return finish(owner, PostgresConnectionError("the connection was closed while a statement was outstanding"))
                }
                if !send(jobs, owner) {
                    return finish(owner, PostgresConnectionError("sending failed: \(message(connection))"))
                }
            }
            if needsFlush, fds[0].revents & Int16(POLLOUT) != 0, !flush() {
                return finish(owner, PostgresConnectionError("sending failed: \(message(connection))"))
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0, PQconsumeInput(connection) != 1 {
                return finish(owner, PostgresConnectionError("the server closed the connection: \(message(connection))"))
            }
            // Every turn, not only when the socket was readable: libpq reads what has arrived
            // while it waits to write, so a send may have taken answers in that the socket will
            // not announce again.
            receive(owner)
            deliverNotifications()
            if PQstatus(connection) == CONNECTION_BAD {
                return finish(owner, PostgresConnectionError("the server closed the connection: \(message(connection))"))
            }
        }
    }

    /// Milliseconds until the earliest deadline of a job in flight (-1: none).
    private func pollTimeout() -> Int32 {
        var earliest: ContinuousClock.Instant?
        for job in inFlight[head...] {
            if let deadline = job.waitingUntil, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        guard let earliest else { return -1 }
        let left = earliest - .now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(min(60_000, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
    }

    private func expireLateJobs() {
        let now = ContinuousClock.now
        for job in inFlight[head...] { job.expire(at: now) }
    }

    /// Sends each job's statements and its Sync; false when libpq could not queue them. The jobs
    /// are in flight first, so that a failure part-way fails them with the connection (they were
    /// appended as each was sent, and a job that failed half-sent was never answered).
    private func send(_ jobs: [Job], _ owner: PipelineConnection) -> Bool {
        guard let connection else { return false }
        inFlight.append(contentsOf: jobs)
        for job in jobs {
            for statement in job.statements {
                guard queue(statement, job: job, on: connection) else { return false }
            }
            guard PQpipelineSync(connection) == 1 else { return false }
        }
        return flush()
    }

    private func queue(_ statement: Statement, job: Job, on connection: OpaquePointer) -> Bool {
        let types = statement.parameters.map(\.type)
        let lengths = statement.parameters.map { Int32($0.bytes?.count ?? 0) }
        let formats = [Int32](repeating: 1, count: statement.parameters.count)
        return withParameterPointers(statement.parameters) { values in
            if let name = statement.name {
                if !prepared.contains(name) {
                    guard PQsendPrepare(connection, name, statement.sql, Int32(types.count), types) == 1 else { return false }
                    prepared.insert(name)
                    job.parsed.append(name)
                    job.commands.append(.parse(name))
                }
                job.commands.append(.statement)
                return PQsendQueryPrepared(connection, name, Int32(values.count), values, lengths, formats, 1) == 1
            }
            job.commands.append(.statement)
            return PQsendQueryParams(connection, statement.sql, Int32(values.count), types, values, lengths, formats, 1) == 1
        }
    }

    private func flush() -> Bool {
        guard let connection else { return false }
        let outcome = PQflush(connection)
        needsFlush = outcome == 1
        return outcome >= 0
    }

    /// Reads every result that has arrived. Each command's results end with a NULL; a job is
    /// answered at its Sync's result.
    private func receive(_ owner: PipelineConnection) {
        guard let connection else { return }
        while head < inFlight.count, PQisBusy(connection) == 0 {
            let job = inFlight[head]
            guard let result = PQgetResult(connection) else {
                guard job.finished < job.commands.count else { break }  // the Sync's result is still to come
                job.finished += 1
                continue
            }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC:
                head += 1
                for name in job.parsed where !job.confirmed.contains(name) { prepared.remove(name) }
                owner.answered()
                job.complete(job.error.map { .failure($0) } ?? .success(job.results))
            case PGRES_PIPELINE_ABORTED:
                break
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                guard job.finished < job.commands.count else { break }
                switch job.commands[job.finished] {
                case .parse(let name): job.confirmed.insert(name)
                case .statement: job.results.append(ResultSet(result))
                }
            default:
                if job.error == nil { job.error = PostgresServerError(result) }
            }
        }
        if head == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 {
            inFlight.removeFirst(head)
            head = 0
        }
    }

    private func deliverNotifications() {
        guard let connection else { return }
        while let notice = PQnotifies(connection) {
            let channel = String(cString: notice.pointee.relname), payload = String(cString: notice.pointee.extra)
            PQfreemem(notice)
            notifications?(channel, payload)
        }
    }

    /// Ends the connection: fails what is outstanding and frees libpq's connection (the wake-up
    /// eventfd lives as long as the `PipelineConnection`).
    private func finish(_ owner: PipelineConnection, _ error: PostgresConnectionError) {
        let waiting = owner.markClosed()
        for job in inFlight[head...] + waiting {
            owner.answered()
            job.complete(.failure(error))
        }
        inFlight = []
        head = 0
        if let connection { PQfinish(connection) }
        connection = nil
    }

    private func message(_ connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Calls `body` with each parameter's bytes as a C pointer (NULL for SQL NULL), valid for the call.
private func withParameterPointers<R>(_ parameters: [Parameter], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var storage: [UnsafeMutableRawPointer?] = parameters.map { parameter in
        guard let bytes = parameter.bytes else { return nil }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(pointer), byteCount: bytes.count) }
        return pointer
    }
    defer { for pointer in storage { pointer?.deallocate() } }
    return storage.withUnsafeMutableBufferPointer { buffer in
        body(buffer.map { $0.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) } })
    }
}
