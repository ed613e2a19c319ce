import NIOCore
import NIOPosix
import Synchronization

/// The next lever's floor (docs/benchmarks.md, "The next lever, measured"): PostgreSQL's
/// extended-query protocol spoken on a NIO channel, pipelined, so a round trip's answer is read by
/// an event loop and resumes the request on that same loop: no poller thread, no crossing for the
/// answer.
///
/// A floor, not a driver: trust or peer authentication only (the benchmark's Unix socket), no
/// TLS, no LISTEN, every column read as text, an error ends only its own job. Its one question
/// is how much a driver of Keel's own on NIO would be worth against libpq and its poller
/// (`PipelinedPool`), on the same statements in the same shape.
final class WirePool: Sendable {
    let connections: [WireConnection]

    init(socketPath: String, user: String, database: String, size: Int,
         statements: [(name: String, sql: String, types: [Int32])]) async throws {
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        var connections: [WireConnection] = []
        for index in 0..<size {
            connections.append(try await WireConnection.connect(
                socketPath: socketPath, user: user, database: database, statements: statements,
                on: loops[index % loops.count]))
        }
        self.connections = connections
    }
}

/// One connection: jobs are written back to back, each ending in one Sync, and answered in order
/// at each ReadyForQuery.
final class WireConnection: Sendable {
    let channel: any Channel
    /// Runs a task on this connection's event loop: a request that prefers it sends and is
    /// resumed on the thread that reads the answers.
    let executor: LoopExecutor
    private let outstanding = Atomic<Int>(0)

    private init(_ channel: any Channel) {
        self.channel = channel
        self.executor = LoopExecutor(channel.eventLoop)
    }

    var load: Int { outstanding.load(ordering: .relaxed) }

    static func connect(socketPath: String, user: String, database: String,
                        statements: [(name: String, sql: String, types: [Int32])],
                        on loop: any EventLoop) async throws -> WireConnection {
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(WireHandler()) }
            }
            .connect(unixDomainSocketPath: "\(socketPath)/.s.PGSQL.5432").get()
        let connection = WireConnection(channel)
        var startup = ByteBuffer()
        startup.writeLengthPrefixed { body in
            body.writeInteger(Int32(196_608))  // protocol 3.0
            for (key, value) in [("user", user), ("database", database)] { body.writeNullTerminatedString(key); body.writeNullTerminatedString(value) }
            body.writeInteger(UInt8(0))
        }
        _ = try await connection.send(startup)
        var parse = ByteBuffer()
        for statement in statements {
            parse.writeMessage("P") { body in
                body.writeNullTerminatedString("wire_" + statement.name)
                body.writeNullTerminatedString(statement.sql)
                body.writeInteger(Int16(statement.types.count))
                for type in statement.types { body.writeInteger(type) }
            }
        }
        parse.writeMessage("S") { _ in }
        _ = try await connection.send(parse)
        return connection
    }

    /// Runs the prepared statements as one pipeline ending in one Sync; each statement's rows.
    func run(_ steps: [(name: String, parameters: [[UInt8]?])]) async throws -> [[[String?]]] {
        var bytes = channel.allocator.buffer(capacity: 256)
        for step in steps {
            bytes.writeMessage("B") { body in
                body.writeNullTerminatedString("")
                body.writeNullTerminatedString("wire_" + step.name)
                body.writeInteger(Int16(1)); body.writeInteger(Int16(1))  // every parameter binary
                body.writeInteger(Int16(step.parameters.count))
                for parameter in step.parameters {
                    guard let parameter else { body.writeInteger(Int32(-1)); continue }
                    body.writeInteger(Int32(parameter.count)); body.writeBytes(parameter)
                }
                body.writeInteger(Int16(0))  // every result column as text
            }
            bytes.writeMessage("E") { body in body.writeNullTerminatedString(""); body.writeInteger(Int32(0)) }
        }
        bytes.writeMessage("S") { _ in }
        return try await send(bytes)
    }

    private func send(_ bytes: ByteBuffer) async throws -> [[[String?]]] {
        outstanding.add(1, ordering: .relaxed)
        defer { outstanding.subtract(1, ordering: .relaxed) }
        let promise = channel.eventLoop.makePromise(of: [[[String?]]].self)
        channel.writeAndFlush(WireJob(bytes: bytes, promise: promise), promise: nil)
        return try await promise.futureResult.get()
    }
}

struct WireJob: Sendable {
    let bytes: ByteBuffer
    let promise: EventLoopPromise<[[[String?]]]>
}

struct WireError: Error, CustomStringConvertible {
    let description: String
}

/// Frames the server's messages and answers the jobs in order, one per ReadyForQuery.
final class WireHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = WireJob
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        let promise: EventLoopPromise<[[[String?]]]>
        var results: [[[String?]]] = []
        var rows: [[String?]] = []
        var error: String?
    }

    private var received = ByteBuffer()
    private var pending = CircularBuffer<Pending>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let job = unwrapOutboundIn(data)
        pending.append(Pending(promise: job.promise))
        context.write(wrapOutboundOut(job.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        received.writeBuffer(&incoming)
        while let type = received.getInteger(at: received.readerIndex, as: UInt8.self),
              let length = received.getInteger(at: received.readerIndex + 1, as: Int32.self),
              received.readableBytes >= Int(length) + 1 {
            received.moveReaderIndex(forwardBy: 5)
            var message = received.readSlice(length: Int(length) - 4)!
            handle(type, &message)
        }
        received.discardReadBytes()
    }

    private func handle(_ type: UInt8, _ message: inout ByteBuffer) {
        guard !pending.isEmpty else { return }
        switch type {
        case UInt8(ascii: "D"):
            let count = Int(message.readInteger(as: Int16.self) ?? 0)
            var row: [String?] = []
            row.reserveCapacity(count)
            for _ in 0..<count {
                let length = Int(message.readInteger(as: Int32.self) ?? -1)
                row.append(length < 0 ? nil : message.readString(length: length))
            }
            pending[pending.startIndex].rows.append(row)
        case UInt8(ascii: "C"):
            let rows = pending[pending.startIndex].rows
            pending[pending.startIndex].results.append(rows)
            pending[pending.startIndex].rows = []
        case UInt8(ascii: "E"):
            var text = "PostgreSQL error"
            while let field = message.readInteger(as: UInt8.self), field != 0, let value = message.readNullTerminatedString() {
                if field == UInt8(ascii: "M") { text = value }
            }
            if pending[pending.startIndex].error == nil { pending[pending.startIndex].error = text }
        case UInt8(ascii: "R"):
            if let code = message.readInteger(as: Int32.self), code != 0 {
                pending[pending.startIndex].error = "authentication \(code) is not supported by this floor (trust or peer only)"
            }
        case UInt8(ascii: "Z"):
            let job = pending.removeFirst()
            if let error = job.error { job.promise.fail(WireError(description: error)) } else { job.promise.succeed(job.results) }
        default:
            break  // ParseComplete, BindComplete, ParameterStatus, BackendKeyData, notices
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let job = pending.popFirst() { job.promise.fail(WireError(description: "the connection closed")) }
        context.fireChannelInactive()
    }
}

/// An event loop as a task executor.
final class LoopExecutor: TaskExecutor, Sendable {
    let loop: any EventLoop
    init(_ loop: any EventLoop) { self.loop = loop }
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension ByteBuffer {
    /// A frontend message: its type byte, then its body with the body's length (itself included).
    mutating func writeMessage(_ type: Character, _ body: (inout ByteBuffer) -> Void) {
        writeInteger(type.asciiValue!)
        writeLengthPrefixed(body)
    }

    /// `body` preceded by its length as PostgreSQL counts it: the four bytes of the length included.
    mutating func writeLengthPrefixed(_ body: (inout ByteBuffer) -> Void) {
        let start = writerIndex
        writeInteger(Int32(0))
        body(&self)
        setInteger(Int32(writerIndex - start), at: start)
    }
}
