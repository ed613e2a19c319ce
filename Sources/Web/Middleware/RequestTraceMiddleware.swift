public import Hummingbird
import HTTPTypes
import Instrumentation
import Kernel
import Tracing

/// A span per request when tracing is on (added only then: `WebDependencies.tracing`), named
/// by the route the router matched, continuing a caller's `traceparent`. Attributes: method,
/// route, status, the request id and, once a layer learnt it, the tenant. Not the path's query,
/// headers or client address: they can carry people's data.
public struct RequestTraceMiddleware: RouterMiddleware {
    public typealias Context = KeelRequestContext

    public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HeaderExtractor())
        let span = startSpan("\(request.method.rawValue) (no route)", context: parent, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        span.attributes["keel.request_id"] = context.requestID
        func finish(_ status: Int) {
            if let route = context.endpointPath {
                span.operationName = "\(request.method.rawValue) \(route)"
                span.attributes["http.route"] = route
            }
            span.attributes["http.response.status_code"] = status
            if let tenantID = context.facts.tenantID { span.attributes["keel.tenant_id"] = tenantID.description }
            if status >= 500 { span.setStatus(.init(code: .error)) }
        }
        do {
            let response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            finish(Int(response.status.code))
            span.end()
            return response
        } catch {
            finish(Int((error as? any HTTPResponseError)?.status.code ?? 500))
            span.recordError(error)
            span.end()
            throw error
        }
    }
}

struct HeaderExtractor: Extractor {
    func extract(key: String, from headers: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { headers[$0] }
    }
}
