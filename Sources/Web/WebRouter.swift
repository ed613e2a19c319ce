public import AccountsAPI
public import BillingAPI
public import OrdersAPI
public import NotificationsAPI
public import Hummingbird
public import Kernel
public import TemplateEngine
import Foundation
public import HTTPTypes
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime

/// What the web layer needs from the rest of Keel, as interfaces only.
public struct WebDependencies: Sendable {
    public var readiness: any ReadinessProbe
    /// The compiled templates (a closure: in development they are recompiled when files change).
    public var templates: @Sendable () -> TemplateLibrary
    public var accounts: any AccountsService
    public var billing: any BillingService
    public var orders: any OrdersService
    public var webhooks: any WebhooksService
    public var idempotency: any IdempotencyStore
    public var api: APISettings
    /// The staff console; `nil` serves none (tests of the API alone).
    public var admin: AdminDependencies?
    /// `/metrics`; without a token there is none.
    public var metrics: MetricsSettings
    /// A span per request (only when the process bootstrapped a tracer).
    public var tracing: Bool

    public init(readiness: any ReadinessProbe, templates: @escaping @Sendable () -> TemplateLibrary,
                accounts: any AccountsService, billing: any BillingService, orders: any OrdersService,
                webhooks: any WebhooksService, idempotency: any IdempotencyStore, api: APISettings = .init(),
                admin: AdminDependencies? = nil, metrics: MetricsSettings = .init(), tracing: Bool = false) {
        self.metrics = metrics
        self.tracing = tracing
        self.orders = orders
        self.webhooks = webhooks
        self.readiness = readiness
        self.templates = templates
        self.accounts = accounts
        self.billing = billing
        self.idempotency = idempotency
        self.api = api
        self.admin = admin
    }
}

/// Limits of the JSON API.
public struct APISettings: Sendable {
    /// Largest request body, in bytes.
    public var maxBodyBytes: Int
    public var rateLimits: RateLimitSettings
    /// How many instances share the limits (each applies its share).
    public var instances: any InstanceCensus
    /// The proxies whose forwarding headers name the client (`KEEL_TRUSTED_PROXIES`).
    public var trustedProxies: TrustedProxies

    public init(maxBodyBytes: Int = 64 * 1024, rateLimits: RateLimitSettings = .init(),
                instances: any InstanceCensus = SingleInstance(), trustedProxies: TrustedProxies = .none) {
        self.maxBodyBytes = maxBodyBytes
        self.rateLimits = rateLimits
        self.instances = instances
        self.trustedProxies = trustedProxies
    }
}

/// Whether a request with this head is served on its connection's event loop
/// (`HTTPServerBuilder.http1(configuration:onEventLoop:)`): the API's and the staff console's
/// requests, which wait on PostgreSQL. Health probes, `/metrics` and the stylesheet stay where
/// Hummingbird runs them.
@Sendable public func servedOnEventLoop(_ head: HTTPRequest) -> Bool {
    guard let target = head.path else { return false }
    let path = target.prefix { $0 != "?" }
    return path.hasPrefix("/v1/") || path.hasPrefix("/admin/") || path == "/v1" || path == "/admin"
}

/// Builds the router with the middleware every request passes through, outermost first:
/// request id, metrics, request log, security headers, problem documents; then health,
/// `/metrics`, the JSON API under `/v1`, the staff console under `/admin` and its stylesheet
/// under `/assets`.
public func makeRouter(_ dependencies: WebDependencies) throws -> Router<KeelRequestContext> {
    let router = Router(context: KeelRequestContext.self)
    let metrics = HTTPMetrics()
    let limits = RateLimits(settings: dependencies.api.rateLimits, census: dependencies.api.instances)
    router.add(middleware: RequestIDMiddleware())
    if !dependencies.api.trustedProxies.isEmpty {
        router.add(middleware: ClientAddressMiddleware(trusted: dependencies.api.trustedProxies))
    }
    if dependencies.tracing { router.add(middleware: RequestTraceMiddleware()) }
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    HealthRoutes(readiness: dependencies.readiness).register(on: router)
    MetricsRoute(settings: dependencies.metrics, metrics: metrics, refusals: limits.refusals).register(on: router)
    StripeWebhookRoute(billing: dependencies.billing).register(on: router)

    let spec = try OpenAPISpec.load()
    router.get("/v1/openapi.yaml") { _, _ in spec.response }
    router.add(middleware: MethodNotAllowedMiddleware(prefix: "/v1", routes: spec.routes()))

    let v1 = router.group("/v1")
        .add(middleware: APIContextMiddleware(maxBodyBytes: dependencies.api.maxBodyBytes, accounts: dependencies.accounts))
    let handler = APIHandler(accounts: dependencies.accounts, billing: dependencies.billing, orders: dependencies.orders,
                             webhooks: dependencies.webhooks, idempotency: dependencies.idempotency,
                             limits: limits)
    let dates = APIDateTranscoder()
    try handler.registerHandlers(on: v1, serverURL: URL(string: "/")!,
                                 configuration: .init(dateTranscoder: dates, jsonEncodingOptions: [.sortedKeys],
                                                      jsonCoder: APIJSONCoder(dateTranscoder: dates)),
                                 middlewares: [AccessMiddleware(accounts: dependencies.accounts, limits: limits)])

    if let admin = dependencies.admin {
        router.add(middleware: FileMiddleware(admin.publicDirectory, urlBasePath: "/assets", searchForIndexHtml: false))
        AdminConsole(staff: admin.staff, support: admin.support, notifications: admin.notifications, billing: admin.billing,
                     orders: admin.orders, webhooks: admin.webhooks,
                     outbox: admin.outbox, exporter: admin.exporter,
                     clock: admin.clock,
                     templates: dependencies.templates, limits: limits).register(on: router)
    }
    return router
}
