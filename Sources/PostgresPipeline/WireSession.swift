internal import CLibPQ
internal import NIOCore
internal import NIOPosix
internal import Synchronization

/// One connection's protocol spoken on a NIO channel: libpq made the connection (name lookup,
/// authentication, multi-host and `target_session_attrs`, the `PG*` variables) and nothing
/// encrypts it, so its socket is handed to an event loop, which sends the jobs and reads their
/// answers itself (docs/storage.md, "The data path").
///
/// Why: a job sent from the loop that runs the request, and answered on it, crosses no thread;
/// through the poller every round trip crossed two (event loop → poller → event loop), which
/// was the lever left under S1 (docs/benchmarks.md, "The next lever, measured"). An encrypted
/// connection (TLS, GSSAPI) stays with libpq and the poller: only libpq holds its keys.
///
/// The protocol is libpq's own pipeline, written out: each statement a Parse (its first use on
/// this connection, or every time when unnamed), Bind, Describe and Execute, each job ending in
/// one Sync, binary parameters and results. Everything but `enqueue` and the atomics is touched
/// on the channel's event loop only.
final class WireSession: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let eventLoop: any EventLoop
    let notifications: (@Sendable (String, String) -> Void)?
    /// Jobs handed over and not yet answered.
    let outstanding = Atomic<Int>(0)
    let closed = Atomic<Bool>(false)
    /// Jobs handed over and not yet sent; `ended` once the connection has, so that no job queues
    /// behind an end that already failed the queue.
    private let queue = Mutex<(jobs: [Job], ended: Bool)>(([], false))

    // The event loop's own.
    /// libpq's side of the connection, kept to end it properly (`PQfinish` sends Terminate).
    private var libpq: OpaquePointer?
    private var context: ChannelHandlerContext?
    private var sending: [Job] = []
    private var inFlight = CircularBuffer<Flight>()
    /// Prepared statements this connection has (or has been sent to have).
    private var prepared: Set<String> = []
    /// Bytes of a message that has not fully arrived.
    private var partial: ByteBuffer?
    private var ended = false
    /// A FATAL error the server sent before it closed: the reason given when the close comes.
    private var farewell: PostgresServerError?
    /// The one timer that answers late jobs at their deadline, and when it fires.
    private var timer: (task: Scheduled<Void>, at: ContinuousClock.Instant)?

    private init(_ libpq: OpaquePointer, on eventLoop: any EventLoop,
                 notifications: (@Sendable (String, String) -> Void)?) {
        self.libpq = libpq
        self.eventLoop = eventLoop
        self.notifications = notifications
    }

    /// Hands the socket of `libpq`, a connection ready for queries, to `eventLoop` (libpq keeps
    /// a duplicate of the descriptor until `PQfinish`). On failure the connection is finished.
    static func start(_ libpq: OpaquePointer, on eventLoop: any EventLoop,
                      notifications: (@Sendable (String, String) -> Void)?) -> EventLoopFuture<WireSession> {
        let session = WireSession(libpq, on: eventLoop, notifications: notifications)
        let socket = dup(PQsocket(libpq))
        guard socket >= 0 else {
            PQfinish(libpq)
            return eventLoop.makeFailedFuture(PostgresConnectionError("could not hand the socket to the event loop (errno \(errno))"))
        }
        return ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(session) }
            }
            .withConnectedSocket(socket)
            .map { _ in session }
            .flatMapErrorThrowing { error in
                // The duplicate is not closed here: the channel may own it already.
                let failure = PostgresConnectionError("could not hand the socket to the event loop: \(error)")
                session.end(failure)
                throw failure
            }
    }

    // MARK: Handing jobs over (any thread)

    /// Queues `job`; true when the caller owes `wakeUp()` (the queue was empty). A job handed to
    /// a connection that has ended fails at once.
    func enqueue(_ job: Job) -> Bool {
        outstanding.add(1, ordering: .relaxed)
        let (accepted, first) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.ended else { return (false, false) }
            queue.jobs.append(job)
            return (true, queue.jobs.count == 1)
        }
        if !accepted { fail(job) }
        return first
    }

    /// Has the loop send what is queued, as its next task: jobs queued by the requests it runs
    /// in the meantime go in the same write.
    func wakeUp() {
        eventLoop.execute { self.sendQueued() }
    }

    /// Ends the connection: what is outstanding fails, and so does every later job.
    func close() {
        eventLoop.execute { self.end(PostgresConnectionError("the connection was closed while a statement was outstanding")) }
    }

    private func fail(_ job: Job) {
        outstanding.subtract(1, ordering: .relaxed)
        job.complete(.failure(PostgresConnectionError("the connection is closed")))
    }

    // MARK: Sending (the loop)

    private func sendQueued() {
        queue.withLock { queue in swap(&queue.jobs, &sending) }
        guard !sending.isEmpty else { return }
        defer { sending.removeAll(keepingCapacity: true) }
        guard let context, !ended else {
            for job in sending { fail(job) }
            return
        }
        var bytes = context.channel.allocator.buffer(capacity: 256 * sending.count)
        for job in sending {
            var flight = Flight(job)
            for statement in job.statements { write(statement, into: &bytes, for: &flight) }
            bytes.writeMessage(.sync)
            inFlight.append(flight)
            if let deadline = job.deadline { keepTime(until: deadline) }
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    /// A statement as libpq's `PQsendQueryPrepared` (or `PQsendQueryParams`) sends it in a
    /// pipeline: [Parse], Bind, Describe the portal, Execute.
    private func write(_ statement: Statement, into bytes: inout ByteBuffer, for flight: inout Flight) {
        let name = statement.name ?? ""
        if statement.name == nil || !prepared.contains(name) {
            bytes.writeMessage(.parse) { body in
                body.writeNullTerminatedString(name)
                body.writeNullTerminatedString(statement.sql)
                body.writeInteger(Int16(statement.parameters.count))
                for parameter in statement.parameters { body.writeInteger(parameter.type) }
            }
            if statement.name != nil { prepared.insert(name) }
            flight.parses.append(statement.name)
        }
        bytes.writeMessage(.bind) { body in
            body.writeInteger(UInt8(0))  // the unnamed portal
            body.writeNullTerminatedString(name)
            body.writeMultipleIntegers(Int16(1), Int16(1))  // every parameter binary
            body.writeInteger(Int16(statement.parameters.count))
            for parameter in statement.parameters {
                if let value = parameter.bytes {
                    body.writeInteger(Int32(value.count))
                    body.writeBytes(value)
                } else {
                    body.writeInteger(Int32(-1))
                }
            }
            body.writeMultipleIntegers(Int16(1), Int16(1))  // every result column binary
        }
        bytes.writeMessage(.describe) { body in body.writeMultipleIntegers(UInt8(ascii: "P"), UInt8(0)) }
        bytes.writeMessage(.execute) { body in body.writeMultipleIntegers(UInt8(0), Int32(0)) }
    }

    // MARK: Receiving (the loop)

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var partial = self.partial {
            self.partial = nil
            partial.writeBuffer(&incoming)
            incoming = partial
        }
        while let type = incoming.getInteger(at: incoming.readerIndex, as: UInt8.self),
              let length = incoming.getInteger(at: incoming.readerIndex + 1, as: Int32.self),
              incoming.readableBytes >= Int(length) + 1 {
            guard length >= 4 else {
                return end(PostgresConnectionError("the server sent a message this driver cannot read (length \(length))"))
            }
            incoming.moveReaderIndex(forwardBy: 5)
            var message = incoming.readSlice(length: Int(length) - 4)!
            receive(type, &message)
        }
        if incoming.readableBytes > 0 { partial = incoming }
    }

    private func receive(_ type: UInt8, _ message: inout ByteBuffer) {
        switch type {
        case UInt8(ascii: "A"):  // NotificationResponse
            _ = message.readInteger(as: Int32.self)
            if let channel = message.readNullTerminatedString(), let payload = message.readNullTerminatedString() {
                notifications?(channel, payload)
            }
            return
        case UInt8(ascii: "N"), UInt8(ascii: "S"):  // NoticeResponse, ParameterStatus
            return
        case UInt8(ascii: "E") where inFlight.isEmpty:
            // Outside any job: the server's goodbye (a FATAL before it closes the socket).
            farewell = PostgresServerError(fields: &message)
            return
        default:
            break
        }
        guard !inFlight.isEmpty else { return }
        let head = inFlight.startIndex
        switch type {
        case UInt8(ascii: "1"):  // ParseComplete
            inFlight[head].parseCompleted()
        case UInt8(ascii: "T"):  // RowDescription
            inFlight[head].result.describe(&message)
        case UInt8(ascii: "n"):  // NoData
            inFlight[head].result = ResultBuilder()
        case UInt8(ascii: "D"):  // DataRow
            inFlight[head].result.append(&message)
        case UInt8(ascii: "C"):  // CommandComplete
            inFlight[head].finishResult(tag: message.readNullTerminatedString() ?? "")
        case UInt8(ascii: "I"):  // EmptyQueryResponse
            inFlight[head].finishResult(tag: "")
        case UInt8(ascii: "E"):  // ErrorResponse: the server skips to the job's Sync
            let error = PostgresServerError(fields: &message)
            if error.severity == "FATAL" || error.severity == "PANIC" { farewell = error }
            if inFlight[head].error == nil { inFlight[head].error = error }
        case UInt8(ascii: "Z"):  // ReadyForQuery: the job's Sync
            let flight = inFlight.removeFirst()
            for name in flight.unconfirmedParses { prepared.remove(name) }
            outstanding.subtract(1, ordering: .relaxed)
            flight.job.complete(flight.error.map { .failure($0) } ?? .success(flight.results))
        default:
            break  // BindComplete, PortalSuspended (never: Execute has no row limit)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = farewell.map { "the server closed the connection: \($0.message)" } ?? "the server closed the connection"
        end(PostgresConnectionError(reason))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(PostgresConnectionError("the connection failed: \(error)"))
    }

    /// Ends the connection: every job in flight or queued fails with `error`, every later one
    /// fails at once, the channel closes and libpq's connection is finished.
    private func end(_ error: PostgresConnectionError) {
        guard !ended else { return }
        ended = true
        closed.store(true, ordering: .releasing)
        timer?.task.cancel()
        timer = nil
        let queued = queue.withLock { queue in
            queue.ended = true
            defer { queue.jobs = [] }
            return queue.jobs
        }
        while let flight = inFlight.popFirst() {
            outstanding.subtract(1, ordering: .relaxed)
            flight.job.complete(.failure(error))
        }
        for job in queued { fail(job) }
        context?.close(promise: nil)
        if let libpq {
            PQfinish(libpq)
            self.libpq = nil
        }
    }

    // MARK: Deadlines (the loop)

    /// One timer for the connection, at the earliest deadline of a job in flight: not a timer
    /// per job (every one-shot job has a deadline, the pool's wait limit).
    private func keepTime(until deadline: ContinuousClock.Instant) {
        if let timer, timer.at <= deadline { return }
        timer?.task.cancel()
        let left = deadline - .now
        let task = eventLoop.scheduleTask(in: .nanoseconds(Int64(left.components.seconds) * 1_000_000_000 + left.components.attoseconds / 1_000_000_000)) {
            self.timer = nil
            self.expireLateJobs()
        }
        timer = (task, deadline)
    }

    private func expireLateJobs() {
        let now = ContinuousClock.now
        for flight in inFlight { flight.job.expire(at: now) }
        if let next = inFlight.lazy.compactMap(\.job.waitingUntil).min() { keepTime(until: next) }
    }
}

/// A job in flight on a `WireSession`, and what has come back for it so far.
private struct Flight {
    let job: Job
    var results: [ResultSet] = []
    var result = ResultBuilder()
    var error: PostgresServerError?
    /// The Parse messages sent for the job, in order (`nil`: an unnamed statement), and how many
    /// have completed: a prepared statement whose Parse did not complete is forgotten.
    var parses: [String?] = []
    private var parsesCompleted = 0

    init(_ job: Job) { self.job = job }

    mutating func parseCompleted() { parsesCompleted += 1 }

    var unconfirmedParses: some Sequence<String> { parses.dropFirst(parsesCompleted).compactMap { $0 } }

    mutating func finishResult(tag: String) {
        results.append(result.finish(tag: tag))
        result = ResultBuilder()
    }
}

/// A statement's result as its messages arrive: the RowDescription's columns, then each
/// DataRow's cells appended to one buffer.
private struct ResultBuilder {
    var columns: [String] = []
    var types: [UInt32] = []
    var bytes: [UInt8] = []
    var cells: [(start: Int32, length: Int32)] = []
    var rows = 0

    mutating func describe(_ message: inout ByteBuffer) {
        let count = Int(message.readInteger(as: Int16.self) ?? 0)
        columns.reserveCapacity(count)
        types.reserveCapacity(count)
        for _ in 0..<count {
            // Name; table, column number, type, size, modifier, format.
            guard let name = message.readNullTerminatedString(),
                  let field = message.readMultipleIntegers(as: (Int32, Int16, UInt32, Int16, Int32, Int16).self)
            else { return }
            columns.append(name)
            types.append(field.2)
        }
    }

    /// One DataRow: its bytes copied once, each cell's place in them recorded.
    mutating func append(_ message: inout ByteBuffer) {
        rows += 1
        let base = bytes.count - message.readerIndex
        message.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
        let count = Int(message.readInteger(as: Int16.self) ?? 0)
        for _ in 0..<count {
            let length = message.readInteger(as: Int32.self) ?? -1
            cells.append((Int32(base + message.readerIndex), length))
            if length > 0 { message.moveReaderIndex(forwardBy: Int(length)) }
        }
    }

    func finish(tag: String) -> ResultSet {
        ResultSet(columns: columns, types: types, rowCount: rows, commandTag: tag, bytes: bytes, cells: cells)
    }
}

/// The frontend messages the session sends.
private enum FrontendMessage: UInt8 {
    case parse = 0x50  // P
    case bind = 0x42  // B
    case describe = 0x44  // D
    case execute = 0x45  // E
    case sync = 0x53  // S
}

extension ByteBuffer {
    /// A frontend message: its type byte, then its body preceded by the body's length (the four
    /// bytes of the length included).
    fileprivate mutating func writeMessage(_ type: FrontendMessage, _ body: (inout ByteBuffer) -> Void = { _ in }) {
        writeInteger(type.rawValue)
        let start = writerIndex
        writeInteger(Int32(0))
        body(&self)
        setInteger(Int32(writerIndex - start), at: start)
    }
}

extension PostgresServerError {
    /// From an ErrorResponse's fields: a type byte, a string, until a zero byte.
    init(fields message: inout ByteBuffer) {
        var fields: [UInt8: String] = [:]
        while let code = message.readInteger(as: UInt8.self), code != 0, let value = message.readNullTerminatedString() {
            fields[code] = value
        }
        self.init(sqlState: fields[UInt8(ascii: "C")] ?? "XX000", severity: fields[UInt8(ascii: "V")] ?? fields[UInt8(ascii: "S")] ?? "ERROR",
                  message: fields[UInt8(ascii: "M")] ?? "the server reported an error", detail: fields[UInt8(ascii: "D")],
                  hint: fields[UInt8(ascii: "H")], constraint: fields[UInt8(ascii: "n")], table: fields[UInt8(ascii: "t")])
    }
}
