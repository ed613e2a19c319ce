public import Hummingbird

/// Counts and times every request for `/metrics` (`HTTPMetrics`), by the route the router
/// matched.
public struct MetricsMiddleware: RouterMiddleware {
    public typealias Context = KeelRequestContext
    let metrics: HTTPMetrics

    public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        metrics.started()
        do {
            let response = try await next(request, context)
            metrics.finished(route: context.endpointPath ?? "NotFound", method: request.method.rawValue,
                             status: response.status.code, after: .now - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.finished(route: context.endpointPath ?? "NotFound", method: request.method.rawValue, status: status,
                             after: .now - started)
            throw error
        }
    }
}
