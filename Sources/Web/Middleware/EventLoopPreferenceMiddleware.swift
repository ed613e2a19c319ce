public import Hummingbird
import EventLoopExecutor

/// Runs the rest of the request on its connection's event loop (`EventLoopExecutor` says why).
public struct EventLoopPreferenceMiddleware: RouterMiddleware {
    public typealias Context = KeelRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await withTaskExecutorPreference(EventLoopExecutor.of(context.eventLoop)) {
            try await next(request, context)
        }
    }
}
