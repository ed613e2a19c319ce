import NIOCore
import Synchronization

/// One server reply: a three-digit code and its text lines (RFC 5321 §4.2).
struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    let code: Int
    let lines: [String]

    var description: String { "\(code) \(lines.joined(separator: " / "))" }
    /// The first line's keywords, for EHLO capabilities (`STARTTLS`, `AUTH PLAIN LOGIN`, …).
    var capabilities: [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            if let keyword = words.first { result[keyword.uppercased()] = words.dropFirst().map { $0.uppercased() } }
        }
        return result
    }
}

/// Splits the byte stream into replies: lines `250-…` continue a reply, `250 …` ends it.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    /// A server that sends a longer line is not speaking SMTP (the limit is 512, RFC 5321 §4.5.3.1.5).
    static let maximumLineLength = 4096
    private var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maximumLineLength { throw SMTPError.protocolViolation("a reply line longer than \(Self.maximumLineLength) bytes") }
            return .needMoreData
        }
        let length = view.distance(from: view.startIndex, to: newline) + 1
        let bytes = buffer.readBytes(length: length) ?? []
        var line = String(decoding: bytes, as: UTF8.self)
        while line.last == "\n" || line.last == "\r" || line.last == "\r\n" { line.removeLast() }
        let digits = line.prefix(3)
        guard digits.count == 3, digits.allSatisfy(\.isASCII), let code = Int(digits), (200...599).contains(code) else {
            throw SMTPError.protocolViolation("not an SMTP reply: \(line.prefix(80))")
        }
        let rest = line.dropFirst(3)
        lines.append(String(rest.dropFirst()))
        if rest.first == "-" { return .continue }
        context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
        lines = []
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// The end of the pipeline: hands replies, errors and the connection's end to `SMTPReplies`.
final class SMTPReplyForwarder: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    let replies: SMTPReplies
    init(replies: SMTPReplies) { self.replies = replies }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        replies.push(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        replies.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        replies.fail(SMTPError.closed)
        context.fireChannelInactive()
    }
}

/// Replies waiting for the client, and the client waiting for a reply: the bridge between the
/// event loop and the async session. After a failure every wait fails the same way.
final class SMTPReplies: Sendable {
    private struct State {
        var buffered: [SMTPReply] = []
        var failure: (any Error)?
        var waiter: CheckedContinuation<SMTPReply, any Error>?
    }
    private let state = Mutex(State())

    func push(_ reply: SMTPReply) {
        let waiter = state.withLock { state -> CheckedContinuation<SMTPReply, any Error>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffered.append(reply)
            return nil
        }
        waiter?.resume(returning: reply)
    }

    func fail(_ error: any Error) {
        let waiter = state.withLock { state -> CheckedContinuation<SMTPReply, any Error>? in
            if state.failure == nil { state.failure = error }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: error)
    }

    /// The next reply; fails with `.timeout(stage)` when none comes within `timeout`.
    func next(within timeout: Duration, stage: String, on eventLoop: any EventLoop) async throws -> SMTPReply {
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { self.fail(SMTPError.timeout(stage)) }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Result<SMTPReply, any Error>? in
                if !state.buffered.isEmpty { return .success(state.buffered.removeFirst()) }
                if let failure = state.failure { return .failure(failure) }
                state.waiter = continuation
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}

/// What went wrong talking to the server.
enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// The server did not answer in time at this stage.
    case timeout(String)
    /// The connection ended before the conversation did.
    case closed
    /// The server answered with an error, or with something we did not ask for.
    case rejected(stage: String, reply: SMTPReply)
    case protocolViolation(String)
    /// The server lacks something the settings require (STARTTLS, an AUTH method, SMTPUTF8).
    case unsupported(String)

    var description: String {
        switch self {
        case .timeout(let stage): "no reply to \(stage) in time"
        case .closed: "the server closed the connection"
        case .rejected(let stage, let reply): "\(stage) refused: \(reply)"
        case .protocolViolation(let what): "protocol violation: \(what)"
        case .unsupported(let what): "the server does not support \(what)"
        }
    }

    /// 4xx replies, silence and dropped connections are worth retrying; 5xx replies and
    /// missing features are not.
    var isTemporary: Bool {
        switch self {
        case .timeout, .closed, .protocolViolation: true
        case .rejected(_, let reply): reply.code < 500
        case .unsupported: false
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
