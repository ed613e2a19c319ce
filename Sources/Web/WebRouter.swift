public import Hummingbird

/// What the web layer needs from the rest of Keel, as interfaces only.
public struct WebDependencies: Sendable {
    public var readiness: any ReadinessProbe
    public init(readiness: any ReadinessProbe) {
        self.readiness = readiness
    }
}

/// Builds the router with the middleware every request passes through, outermost first:
/// request id, request log, problem documents.
public func makeRouter(_ dependencies: WebDependencies) -> Router<KeelRequestContext> {
    let router = Router(context: KeelRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ProblemMiddleware())
    HealthRoutes(readiness: dependencies.readiness).register(on: router)
    return router
}
