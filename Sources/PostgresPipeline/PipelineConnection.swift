internal import CLibPQ
internal import Foundation
public import NIOCore
internal import NIOPosix
internal import Glibc
internal import Synchronization

/// One PostgreSQL connection, pipelined: libpq makes it, and then either an event loop speaks
/// the protocol on its socket (`WireSession`) or, when the connection is encrypted, libpq in
/// pipeline mode does, driven by the poller (issue 21; docs/storage.md, "The data path").
///
/// A caller hands over a *job* — statements that end in one Sync — and suspends; every job
/// waiting is sent, each with its own Sync (so one job's error aborts that job only), in one
/// write, and each job is answered when its Sync's answer arrives. A job is one round trip
/// however many statements it holds, and jobs from different callers travel back to back in one
/// pipeline: waiting callers do not wait for each other's round trips.
///
/// On the event loop, a job sent by a request running on that loop is answered there, with no
/// thread crossed (docs/benchmarks.md, "Answers read by the event loop"). Through libpq, one
/// thread, the `Poller`, waits in `poll(2)` on every such connection's socket and on one wake-up
/// `eventfd` (psycopg 3's async connection is the model); it wakes once for answers that arrive
/// together on several connections (docs/benchmarks.md, "One poller for every connection").
///
/// When the server closes the connection (a restart, a terminated backend), every job sent or
/// waiting fails with `PostgresConnectionError`, and so does every later one: nothing waits for
/// an answer that cannot come.
public final class PipelineConnection: Sendable {
    /// What a job's caller waits for.
    typealias Completion = @Sendable (Result<[ResultSet], any Error>) -> Void

    /// Who sends the jobs and reads the answers.
    public enum Transport: Sendable {
        /// An event loop speaks the protocol on the socket libpq opened (`WireSession`), unless
        /// the connection is encrypted (TLS, GSSAPI): then libpq and the poller.
        case automatic
        /// libpq and the poller, always.
        case libpq
    }

    private enum Driver: Sendable {
        case poller(Session, Poller)
        case wire(WireSession)
    }

    private let driver: Driver
    private let closing = Atomic<Bool>(false)

    /// Opens a connection described by `conninfo` (libpq's key=value string or a `postgresql://`
    /// URL; the `PG*` environment variables fill in what it leaves out). `notifications`
    /// receives what a LISTEN on this connection hears, on the thread that reads its answers.
    ///
    /// libpq makes the connection — name lookup, TLS, authentication, multi-host and
    /// `target_session_attrs` — and its connect blocks, so it runs on a thread of its own, which
    /// ends when the connection is handed over: to `eventLoop` (by default one of NIO's
    /// singleton group) when nothing encrypts it, else to the poller (`Transport`).
    public static func connect(
        _ conninfo: String,
        transport: Transport = .automatic,
        on eventLoop: (any EventLoop)? = nil,
        notifications: (@Sendable (_ channel: String, _ payload: String) -> Void)? = nil
    ) async throws -> PipelineConnection {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                nameThisThread("postgres-connect")
                let libpq: OpaquePointer
                do {
                    libpq = try openConnection(conninfo)
                } catch {
                    return continuation.resume(throwing: error)
                }
                if transport == .automatic, PQsslInUse(libpq) == 0, PQgssEncInUse(libpq) == 0 {
                    WireSession.start(libpq, on: eventLoop ?? MultiThreadedEventLoopGroup.singleton.next(),
                                      notifications: notifications)
                        .whenComplete { continuation.resume(with: $0.map { PipelineConnection(.wire($0)) }) }
                    return
                }
                do {
                    let session = try Session(libpq, notifications: notifications)
                    let poller = Poller.shared
                    if poller.post(.register(session)) { poller.wakeUp() }
                    continuation.resume(returning: PipelineConnection(.poller(session, poller)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    private init(_ driver: Driver) {
        self.driver = driver
    }

    /// Whether an event loop speaks the protocol (`Transport.automatic` on an unencrypted
    /// connection), rather than libpq and the poller.
    public var onEventLoop: Bool {
        if case .wire = driver { return true }
        return false
    }

    /// Whether the calling thread is the event loop that reads this connection's answers: a job
    /// sent from it crosses no thread, there or back.
    public var isLocal: Bool {
        if case .wire(let wire) = driver { return wire.eventLoop.inEventLoop }
        return false
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
    ///   is dropped (the statements still run: give this only to jobs that may). The poller, or
    ///   the event loop, keeps the time: one timer per connection, not one per job.
    public func run(_ statements: [Statement], timeout: Duration? = nil) async throws -> [ResultSet] {
        try await withCheckedThrowingContinuation { continuation in
            submit(statements, timeout: timeout) { continuation.resume(with: $0) }
        }
    }

    /// `run` without waiting, in two steps, for a caller that must hand a job over while it
    /// holds a lock of its own (`ConnectionPool`): the job is queued at once, and when this
    /// returns true the caller owes `wakeUp()` — after releasing that lock. `completion` gets the
    /// answer (on the thread that reads the connection, or here if the connection is closed).
    ///
    /// The wake-up is a system call, and the poller, woken by it, takes the lock the job was
    /// queued under at once: written under a lock, it kept that lock held while the woken thread
    /// and the next callers spun on it (docs/benchmarks.md).
    public func enqueue(_ statements: [Statement], timeout: Duration? = nil,
                        completion: @escaping @Sendable (Result<[ResultSet], any Error>) -> Void) -> Bool {
        let job = Job(statements, deadline: timeout.map { ContinuousClock.now + $0 }, completion: completion)
        switch driver {
        case .wire(let wire):
            return wire.enqueue(job)
        case .poller(let session, let poller):
            session.outstanding.add(1, ordering: .relaxed)
            guard !closing.load(ordering: .acquiring), !isClosed else {
                session.fail(job)
                return false
            }
            return poller.post(.job(session, job))
        }
    }

    /// `run` without waiting: hands the job over and returns at once; `completion` gets the
    /// answer (on the thread that reads the connection, or here if the connection is closed).
    public func submit(_ statements: [Statement], timeout: Duration? = nil,
                       completion: @escaping @Sendable (Result<[ResultSet], any Error>) -> Void) {
        if enqueue(statements, timeout: timeout, completion: completion) { wakeUp() }
    }

    /// Sends what was queued: wakes the poller, or queues the send as the event loop's next task
    /// (so that jobs queued meanwhile go in the same write). Safe at any time, even after the
    /// connection closed.
    public func wakeUp() {
        switch driver {
        case .wire(let wire): wire.wakeUp()
        case .poller(_, let poller): poller.wakeUp()
        }
    }

    /// Whether the connection has closed (by `close()` or by the server): every job now fails.
    public var isClosed: Bool {
        switch driver {
        case .wire(let wire): wire.closed.load(ordering: .acquiring)
        case .poller(let session, _): session.closed.load(ordering: .acquiring)
        }
    }

    /// Jobs handed over and not yet answered.
    public var load: Int {
        switch driver {
        case .wire(let wire): wire.outstanding.load(ordering: .relaxed)
        case .poller(let session, _): session.outstanding.load(ordering: .relaxed)
        }
    }

    /// Closes the connection: jobs not yet answered fail, and libpq's connection is freed.
    public func close() {
        guard !closing.exchange(true, ordering: .acquiringAndReleasing) else { return }
        switch driver {
        case .wire(let wire): wire.close()
        case .poller(let session, let poller): if poller.post(.close(session)) { poller.wakeUp() }
        }
    }
}

/// Connects (blocking: call it off the cooperative pool): a connection ready for queries, or
/// libpq's reason why not.
private func openConnection(_ conninfo: String) throws -> OpaquePointer {
    guard let connection = PQconnectdb(conninfo) else {
        throw PostgresConnectionError("libpq could not allocate a connection")
    }
    guard PQstatus(connection) == CONNECTION_OK else {
        defer { PQfinish(connection) }
        throw PostgresConnectionError(Session.message(connection))
    }
    return connection
}

/// A job: its statements, and what it has received so far. Mutable only on the thread that reads
/// its connection (the poller, or the event loop), after the hand-over through that one's queue.
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

    /// Answers the caller with a timeout if its deadline has passed (on the poller's thread).
    func expire(at now: ContinuousClock.Instant) {
        guard let deadline, !answered, now >= deadline else { return }
        complete(.failure(PostgresConnectionError("no answer within the time allowed; the statements may still run")))
    }

    var waitingUntil: ContinuousClock.Instant? { answered ? nil : deadline }
}

/// What callers hand the poller, in order.
enum PollerItem: Sendable {
    /// A connection just opened, to be watched.
    case register(Session)
    case job(Session, Job)
    /// `close()`: jobs queued and not yet sent fail, and so do the ones in flight.
    case close(Session)
}

/// The thread that drives every connection libpq pipelines (the encrypted ones, or any opened
/// with `Transport.libpq`): it waits in `poll(2)` on their sockets and on one wake-up `eventfd`,
/// sends what callers queued, and reads and answers what arrives.
final class Poller: @unchecked Sendable {
    static let shared = Poller()

    /// The thread's wake-up. The poller lives as long as the process, and so does this.
    private let wakeUpFD: Int32
    /// Handed over by callers and not yet taken by the thread.
    private let items = Mutex<[PollerItem]>([])

    // The thread's own, touched nowhere else.
    private var sessions: [Session] = []
    private var taken: [PollerItem] = []
    /// Sessions with jobs to send, or events, this turn.
    private var touched: [Session] = []
    private var turn = 0

    private init() {
        wakeUpFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeUpFD >= 0 else { fatalError("PostgresPipeline: could not make the poller's eventfd (errno \(errno))") }
        let thread = Thread { [self] in
            nameThisThread("postgres-poller")
            run()
        }
        thread.start()
    }

    /// Queues `item`; true when the thread must be woken (the queue was empty: the thread wakes
    /// for the first item and takes every one queued by then).
    func post(_ item: PollerItem) -> Bool {
        items.withLock { items in
            items.append(item)
            return items.count == 1
        }
    }

    func wakeUp() {
        var one: UInt64 = 1
        _ = write(wakeUpFD, &one, MemoryLayout<UInt64>.size)
    }

    private func run() {
        var fds: [pollfd] = []
        var wakeUps: UInt64 = 0
        while true {
            turn &+= 1
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeUpFD, events: Int16(POLLIN), revents: 0))
            for session in sessions {
                fds.append(pollfd(fd: session.socket, events: Int16(POLLIN) | (session.needsFlush ? Int16(POLLOUT) : 0), revents: 0))
            }
            if poll(&fds, nfds_t(fds.count), timeout()) < 0 {
                if errno == EINTR { continue }
                fatalError("PostgresPipeline: poll failed (errno \(errno))")
            }
            let now = ContinuousClock.now
            for session in sessions { session.expireLateJobs(at: now) }
            // Sockets first, by index into `sessions` as it was when `fds` was made.
            for (index, session) in sessions.enumerated() where fds[index + 1].revents != 0 {
                session.handle(fds[index + 1].revents)
                touch(session)
            }
            if fds[0].revents != 0 {
                _ = read(wakeUpFD, &wakeUps, MemoryLayout<UInt64>.size)  // resets the count
                takeItems()
            }
            for session in touched where !session.isFinished {
                session.sendBatch()
                // Every turn, not only when the socket was readable: libpq reads what has arrived
                // while it waits to write, so a send may have taken answers in that the socket
                // will not announce again.
                session.receive()
                session.deliverNotifications()
                session.checkStatus()
            }
            touched.removeAll(keepingCapacity: true)
            sessions.removeAll { $0.isFinished }
        }
    }

    private func takeItems() {
        items.withLock { items in swap(&items, &taken) }
        for item in taken {
            switch item {
            case .register(let session):
                sessions.append(session)
            case .job(let session, let job):
                if session.isFinished {
                    session.fail(job)
                } else {
                    session.batch.append(job)
                    touch(session)
                }
            case .close(let session):
                // Jobs queued and not yet sent fail as "closed", the ones in flight with this.
                session.finish(PostgresConnectionError("the connection was closed while a statement was outstanding"))
            }
        }
        taken.removeAll(keepingCapacity: true)
    }

    private func touch(_ session: Session) {
        guard session.turn != turn else { return }
        session.turn = turn
        touched.append(session)
    }

    /// Milliseconds until the earliest deadline of a job in flight (-1: none).
    private func timeout() -> Int32 {
        guard let earliest = sessions.lazy.compactMap(\.earliestDeadline).min() else { return -1 }
        let left = earliest - .now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(min(60_000, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
    }
}

/// One connection's libpq side: everything that touches its `PGconn`, on the poller's thread
/// (made on the connecting thread, before the poller sees it). `outstanding` and `closed` are
/// read anywhere.
final class Session: @unchecked Sendable {
    let notifications: (@Sendable (String, String) -> Void)?
    private var connection: OpaquePointer?
    let socket: Int32
    /// Jobs handed over and not yet answered.
    let outstanding = Atomic<Int>(0)
    let closed = Atomic<Bool>(false)

    /// Jobs taken from the poller's queue this turn, to be sent.
    var batch: [Job] = []
    /// Jobs sent, in order, not yet answered; `head` is the one results belong to.
    private var inFlight: [Job] = []
    private var head = 0
    private(set) var needsFlush = false
    /// Prepared statements this connection has (or has been sent to have).
    private var prepared: Set<String> = []
    /// The poller's turn that last touched this session.
    var turn = 0

    /// Puts `connection`, ready for queries, in non-blocking pipeline mode (on the connecting
    /// thread); on failure it is finished.
    init(_ connection: OpaquePointer, notifications: (@Sendable (String, String) -> Void)?) throws {
        self.notifications = notifications
        guard PQsetnonblocking(connection, 1) == 0, PQenterPipelineMode(connection) == 1 else {
            defer { PQfinish(connection) }
            throw PostgresConnectionError(Self.message(connection))
        }
        self.connection = connection
        self.socket = PQsocket(connection)
    }

    var isFinished: Bool { connection == nil }

    /// Fails a job that will not be sent: the connection is closed.
    func fail(_ job: Job) {
        outstanding.subtract(1, ordering: .relaxed)
        job.complete(.failure(PostgresConnectionError("the connection is closed")))
    }

    /// What `poll` said of the socket.
    func handle(_ events: Int16) {
        guard let connection else { return }
        if needsFlush, events & Int16(POLLOUT) != 0, !flush() {
            return finish(PostgresConnectionError("sending failed: \(Self.message(connection))"))
        }
        if events & Int16(POLLIN | POLLHUP | POLLERR) != 0, PQconsumeInput(connection) != 1 {
            return finish(PostgresConnectionError("the server closed the connection: \(Self.message(connection))"))
        }
    }

    func checkStatus() {
        guard let connection, PQstatus(connection) == CONNECTION_BAD else { return }
        finish(PostgresConnectionError("the server closed the connection: \(Self.message(connection))"))
    }

    func expireLateJobs(at now: ContinuousClock.Instant) {
        for job in inFlight[head...] { job.expire(at: now) }
    }

    var earliestDeadline: ContinuousClock.Instant? { inFlight[head...].lazy.compactMap(\.waitingUntil).min() }

    /// Sends the batch: each job's statements and its Sync. The jobs are in flight first, so that
    /// a failure part-way fails them with the connection (they were appended as each was sent,
    /// and a job that failed half-sent was never answered).
    func sendBatch() {
        guard !batch.isEmpty, let connection else { return }
        inFlight.append(contentsOf: batch)
        let jobs = batch
        batch.removeAll(keepingCapacity: true)
        for job in jobs {
            for statement in job.statements {
                guard queue(statement, job: job, on: connection) else {
                    return finish(PostgresConnectionError("sending failed: \(Self.message(connection))"))
                }
            }
            guard PQpipelineSync(connection) == 1 else {
                return finish(PostgresConnectionError("sending failed: \(Self.message(connection))"))
            }
        }
        if !flush() { finish(PostgresConnectionError("sending failed: \(Self.message(connection))")) }
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
    func receive() {
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
                outstanding.subtract(1, ordering: .relaxed)
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

    func deliverNotifications() {
        guard let connection else { return }
        while let notice = PQnotifies(connection) {
            let channel = String(cString: notice.pointee.relname), payload = String(cString: notice.pointee.extra)
            PQfreemem(notice)
            notifications?(channel, payload)
        }
    }

    /// Ends the connection: every job from now on fails, so does what is outstanding, and libpq's
    /// connection is freed (the poller stops watching it at the end of the turn).
    func finish(_ error: PostgresConnectionError) {
        guard let connection else { return }
        closed.store(true, ordering: .releasing)
        for job in inFlight[head...] {
            outstanding.subtract(1, ordering: .relaxed)
            job.complete(.failure(error))
        }
        inFlight = []
        head = 0
        for job in batch { fail(job) }
        batch = []
        PQfinish(connection)
        self.connection = nil
    }

    static func message(_ connection: OpaquePointer) -> String {
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

/// Names the calling thread where `/proc`, `top -H` and `perf` see it (at most 15 bytes).
/// Foundation's `Thread.name` does not reach the kernel on Linux, and `pthread_setname_np` is not
/// in Swift's Glibc module; writing the thread's `comm` file is what it does.
private func nameThisThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    defer { close(fd) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
}
