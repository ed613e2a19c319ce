public import Hummingbird
public import TemplateEngine

/// What the web layer needs from the rest of Keel, as interfaces only.
public struct WebDependencies: Sendable {
    public var readiness: any ReadinessProbe
    /// The compiled templates (a closure: in development they are recompiled when files change).
    public var templates: @Sendable () -> TemplateLibrary

    public init(readiness: any ReadinessProbe, templates: @escaping @Sendable () -> TemplateLibrary) {
        self.readiness = readiness
        self.templates = templates
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
