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
    /// moved each API request to its loop inside the router, so the request crossed threads four
    /// times besides the database's answers: to the pool for the connection's task, to the loop
    /// for the handler, back to the pool with the answer, and to the loop again for the write.
    /// Now the connection's task runs on its loop when a request arrives, an API request stays
    /// there and its answer is written where it was made; a health probe still crosses to the
    /// pool, where it overlaps the loops' parsing (S7), and its task stays on the pool until the
    /// next request wakes it. Measured side by side: S1 and S2 about a tenth cheaper, S1's p50
    /// and p99 at 70 % lower, S7 even (docs/benchmarks.md).
    public static func http1(configuration: HTTP1Channel.Configuration,
                             onEventLoop: @escaping @Sendable (Request) -> Bool) -> HTTPServerBuilder {
        .init { responder in
            ConnectionOnItsLoop(HTTP1Channel(responder: { request, writer, channel in
                let executor: any TaskExecutor = onEventLoop(request) ? EventLoopExecutor.of(channel.eventLoop)
                                                                      : globalConcurrentExecutor
                var writer = Optional(writer)
                try await withTaskExecutorPreference(executor) {
                    try await responder(request, writer.take()!, channel)
                }
            }, configuration: configuration))
        }
    }
}

/// Hummingbird's HTTP/1.1 channel, its connection's task run by a `ConnectionExecutor`.
struct ConnectionOnItsLoop: ServerChildChannel {
    let http1: HTTP1Channel

    init(_ http1: HTTP1Channel) { self.http1 = http1 }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger)
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await withTaskExecutorPreference(ConnectionExecutor(value.channel.eventLoop)) {
            await http1.handle(value: value, logger: logger)
        }
    }
}
