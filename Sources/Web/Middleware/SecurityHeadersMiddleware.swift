import Hummingbird
import HTTPTypes

/// Headers every response carries, errors included. The policy allows the console's own
/// stylesheet and images and nothing else: no script at all (the console works without it),
/// no framing, forms only to this origin. JSON responses carry it too: it costs nothing and
/// keeps a response opened in a browser inert.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = KeelRequestContext

    static let policy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"

    /// Made once: a field built per response checks its value every time.
    static let fields: [HTTPField] = [
        HTTPField(name: .contentSecurityPolicyHeader, value: policy),
        HTTPField(name: .xContentTypeOptions, value: "nosniff"),
        HTTPField(name: .xFrameOptions, value: "DENY"),
        HTTPField(name: .referrerPolicy, value: "same-origin"),
    ]

    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in Self.fields {
            if response.headers[field.name] == nil {
                response.headers.append(field)
            } else {
                response.headers[field.name] = field.value
            }
        }
        if request.uri.path.hasPrefix("/admin") {
            // Console pages show customers' data: never kept by the browser or a proxy.
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
