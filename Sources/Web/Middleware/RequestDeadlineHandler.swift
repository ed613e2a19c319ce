import HummingbirdCore
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
    /// When the connection is closed unless something happens first; `nil` while Keel works.
    private var deadline: NIODeadline?
    /// At most one timer per connection. Moving the deadline does not reschedule it (two timer
    /// operations per request cost more than a whole `/healthz`): when it fires before the
    /// deadline then current, it schedules itself again for it. So a deadline moved *earlier*
    /// (the head deadline after a request, when the timer was set for a body deadline) is kept
    /// late, by at most `bodyTimeout`: harmless for an idle keep-alive connection, and a new
    /// connection's first head is timed exactly.
    private var timer: Scheduled<Void>?

    public init(headTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, headTimeout) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) { stop() }

    public func channelActive(context: ChannelHandlerContext) {
        arm(context, headTimeout)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        stop()
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
            if unanswered == 0 { arm(context, headTimeout) } else { deadline = nil }
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
        let due = NIODeadline.now() + timeout
        deadline = due
        if timer == nil { schedule(context, at: due) }
    }

    private func schedule(_ context: ChannelHandlerContext, at due: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = loopBound.value
            handler.fired(context)
        }
    }

    private func fired(_ context: ChannelHandlerContext) {
        timer = nil
        guard let deadline else { return }  // Keel is working on a request
        if deadline <= .now() {
            context.close(promise: nil)
        } else {
            schedule(context, at: deadline)
        }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }
}
