public import Hummingbird
import Foundation
import Logging
import Kernel

/// One log line per request: method, path, status, duration, request id, tenant when known.
/// Errors are logged here too, with their status, so a failed request is never silent.
public struct RequestLogMiddleware: RouterMiddleware {
    public typealias Context = KeelRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            // Prometheus's scrapes are not news; a refused one is.
            if request.uri.path == "/metrics" && response.status == .ok { return response }
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, context, status: status, since: started, error: error)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant, error: (any Error)? = nil) {
        let level: Logger.Level = status >= 500 ? .error : .info
        // Built only when the line will be written: under load the level is often `warning`.
        guard context.logger.logLevel <= level else { return }
        let elapsed = ContinuousClock.now - started
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.3f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)),
        ]
        if let tenantID = context.facts.tenantID { metadata["tenant_id"] = .string(tenantID.description) }
        if let error { metadata["error"] = .string(String(describing: error)) }
        context.logger.log(level: level, "request", metadata: metadata)
    }
}

