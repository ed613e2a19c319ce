public import Hummingbird
public import HummingbirdCore
import EventLoopExecutor
import Logging
import NIOCore

extension HTTPServerBuilder {
    /// HTTP/1.1, with every request `onEventLoop` picks served on its connection's event loop
    /// from the router's first middleware to the answer's last byte, and every other request on
    /// Swift's global pool (`EventLoopExecutor` and `ConnectionExecutor` say why).
    ///
    /// Hummingbird runs a connection's task on the global pool. Until 2026-12-07 a middleware
    /// moved each API request to its loop inside the router, so besides its database answers the
    /// request crossed threads four times: to the pool for the connection's task, to the loop
    /// for the handler, back to the pool with the answer, and to the loop again for the write.
    /// Here each connection's task runs on a `ConnectionExecutor`, set to the side of the request
    /// it serves: a stream of API requests stays on the loop, a stream of probes on the pool, and
    /// only a change of kind costs a move (docs/benchmarks.md, "Connections on their event loops").
    public static func http1(configuration: HTTP1Channel.Configuration,
                             onEventLoop: @escaping @Sendable (Request) -> Bool) -> HTTPServerBuilder {
        .init { responder in
            ConnectionOnItsSide(http1: HTTP1Channel(responder: responder, configuration: configuration),
                                configuration: configuration, responder: responder, onEventLoop: onEventLoop)
        }
    }
}

/// Hummingbird's HTTP/1.1 channel, each connection's task run by a `ConnectionExecutor` that
/// every request sets to its side.
struct ConnectionOnItsSide: ServerChildChannel {
    /// Sets up every connection's pipeline; each connection's task gets a channel of its own,
    /// whose responder sets that connection's executor.
    let http1: HTTP1Channel
    let configuration: HTTP1Channel.Configuration
    let responder: HTTPChannelHandler.Responder
    let onEventLoop: @Sendable (Request) -> Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger)
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        let executor = ConnectionExecutor(value.channel.eventLoop)
        let connection = HTTP1Channel(responder: { [responder, onEventLoop] request, writer, channel in
            let side: ConnectionExecutor.Side = onEventLoop(request) ? .eventLoop : .pool
            executor.side = side
            // The task moves at its next wake-up; a request that finds it on the other side (the
            // first of its kind on this connection) moves now, so that all of it runs on its side.
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
        await withTaskExecutorPreference(executor) {
            await connection.handle(value: value, logger: logger)
        }
    }
}
