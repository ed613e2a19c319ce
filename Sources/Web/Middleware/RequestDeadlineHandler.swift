public import HummingbirdCore
public import NIOCore
public import NIOHTTPTypes

/// Closes a connection that is too slow to send its request.
///
/// Hummingbird keeps a connection open for as long as bytes keep coming, so a client that
/// trickles a header line every few seconds (slow-loris), or a body byte at a time, holds a
/// connection and a descriptor for ever. Here every request head must arrive within
/// `headTimeout` of the connection being free for it (opened, or its last response sent), and
/// the rest of the request within `bodyTimeout` of its head. The same head deadline ends idle
/// keep-alive connections. Nothing is timed while Keel itself is working on a request: that
/// is bounded by the database timeouts, not here.
///
/// It sits after HTTP decoding, so it sees whole heads, not bytes.
public final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let headTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    /// Requests received in full less responses sent: more than one when pipelined, below zero
    /// while a response went out before its request's body was all read (a 413, say).
    private var unanswered = 0
    private var readingRequest = false
    private var deadline: Scheduled<Void>?

    public init(headTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, headTimeout) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    public func channelActive(context: ChannelHandlerContext) {
        arm(context, headTimeout)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            arm(context, bodyTimeout)
        case .body:
            break
        case .end:
            readingRequest = false
            unanswered += 1
            if unanswered == 0 { arm(context, headTimeout) } else { disarm() }
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered -= 1
            if unanswered == 0 && !readingRequest { arm(context, headTimeout) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
