import Hummingbird
public import HummingbirdCore
import EventLoopExecutor
public import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

extension HTTPServerBuilder {
    /// HTTP/1.1, with every request `onEventLoop` picks served on its connection's event loop
    /// from the router's first middleware to the answer's last byte, and every other request on
    /// Swift's global pool (`EventLoopExecutor` and `ConnectionExecutor` say why).
    ///
    /// Hummingbird runs a connection's task on the global pool. Until 2026-12-07 a middleware
    /// moved each API request to its loop inside the router, so besides its database answers the
    /// request crossed threads four times: to the pool for the connection's task, to the loop
    /// for the handler, back to the pool with the answer, and to the loop again for the write.
    /// Here a connection whose first request is picked runs its task on a `ConnectionExecutor`,
    /// set to the side of each request it serves: a stream of API requests stays on the loop,
    /// and only a change of kind costs a move (docs/benchmarks.md, "Connections on their event
    /// loops"). A connection whose first request is not picked (a probe's, a scrape's) runs as
    /// Hummingbird runs it, with no executor preference, which every hop of its task would pay
    /// for (architecture note 75); a picked request on it moves to the loop for its own span.
    public static func http1(configuration: HTTP1Channel.Configuration,
                             onEventLoop: @escaping @Sendable (HTTPRequest) -> Bool) -> HTTPServerBuilder {
        .init { responder in
            ConnectionOnItsSide(configuration: configuration, responder: responder, onEventLoop: onEventLoop)
        }
    }
}

/// Hummingbird's HTTP/1.1 channel, each connection's task placed by its first request.
struct ConnectionOnItsSide: ServerChildChannel {
    /// A connection, and whether its first request is one `onEventLoop` picks (`false` if the
    /// connection closed before sending one).
    struct Value: ServerChildChannelValue {
        let http: HTTP1Channel.Value
        let firstPicked: EventLoopFuture<Bool>
        var channel: any Channel { http.channel }
    }

    let configuration: HTTP1Channel.Configuration
    let responder: HTTPChannelHandler.Responder
    let onEventLoop: @Sendable (HTTPRequest) -> Bool

    /// Hummingbird's pipeline, with `FirstRequestHead` after the handlers the configuration adds.
    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let first = FirstRequestHead(onEventLoop: onEventLoop, promise: channel.eventLoop.makePromise())
        var configuration = configuration
        configuration.additionalChannelHandlers = { [added = self.configuration.additionalChannelHandlers] in
            added() + [first]
        }
        let pipeline = HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
        // A pipeline that could not be set up (the connection closed meanwhile) never got the
        // handler, so nothing else would complete its promise.
        pipeline.whenFailure { _ in first.promise.succeed(false) }
        return pipeline.map { Value(http: $0, firstPicked: first.promise.futureResult) }
    }

    func handle(value: Value, logger: Logger) async {
        // Once per connection: the head is usually there already.
        guard (try? await value.firstPicked.get()) == true else {
            return await serve(value.http, logger: logger, connection: nil)
        }
        let executor = ConnectionExecutor(value.channel.eventLoop)
        await withTaskExecutorPreference(executor) {
            await serve(value.http, logger: logger, connection: executor)
        }
    }

    /// Serves the connection's requests, each on its side: with `connection`, by setting it (the
    /// task moves at its next wake-up, and a request that finds it on the other side moves now);
    /// without, a picked request moves to the loop for its span and the rest run where they are.
    private func serve(_ http: HTTP1Channel.Value, logger: Logger, connection: ConnectionExecutor?) async {
        let channel = HTTP1Channel(responder: { [responder, onEventLoop] request, writer, channel in
            let side: ConnectionExecutor.Side = onEventLoop(request.head) ? .eventLoop : .pool
            connection?.side = side
            let move: (any TaskExecutor)? = switch (side, channel.eventLoop.inEventLoop) {
            case (.eventLoop, false): EventLoopExecutor.of(channel.eventLoop)
            case (.pool, true): globalConcurrentExecutor
            default: nil  // already on its side: no preference scope at all
            }
            var writer = Optional(writer)
            try await withTaskExecutorPreference(move) {
                try await responder(request, writer.take()!, channel)
            }
        }, configuration: configuration)
        await channel.handle(value: http, logger: logger)
    }
}

/// Tells the connection's task, once, whether the connection's first request is picked for the
/// loop, then leaves the pipeline.
final class FirstRequestHead: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let onEventLoop: @Sendable (HTTPRequest) -> Bool
    let promise: EventLoopPromise<Bool>

    init(onEventLoop: @escaping @Sendable (HTTPRequest) -> Bool, promise: EventLoopPromise<Bool>) {
        self.onEventLoop = onEventLoop
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            promise.succeed(onEventLoop(head))
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } else {
            context.fireChannelRead(data)
        }
    }

    /// Closed (or torn down) before a head came: no request to place. (After a head, the
    /// promise is complete and this does nothing.)
    func handlerRemoved(context: ChannelHandlerContext) { promise.succeed(false) }
}
