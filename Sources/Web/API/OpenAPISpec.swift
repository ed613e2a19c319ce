import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NIOCore

/// openapi.yaml, as shipped in this target's bundle: the contract, served as it is, and the
/// source of the path → methods table that answers 405 for methods it does not declare.
struct OpenAPISpec: Sendable {
    let text: String

    static func load() throws -> OpenAPISpec {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw AppError(.internalError, "openapi.yaml is missing from the Web bundle.")
        }
        return OpenAPISpec(text: try String(contentsOf: url, encoding: .utf8))
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Each path of `paths:` with the methods declared for it. Reads the layout the file keeps
    /// (paths indented two spaces, methods four) rather than parsing YAML in general:
    /// `RBACMatrixTests` reads operations the same way and would fail if the layout changed.
    func routes() -> [SpecRoute] {
        var routes: [SpecRoute] = []
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if !line.isEmpty, !line.hasPrefix(" ") { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                routes.append(SpecRoute(path: String(line.dropFirst(2).dropLast()), methods: []))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), !routes.isEmpty {
                let word = line.trimmingCharacters(in: .whitespaces).dropLast()
                if let method = HTTPRequest.Method(String(word).uppercased()),
                   ["get", "put", "post", "patch", "delete"].contains(word) {
                    routes[routes.count - 1].methods.insert(method)
                }
            }
        }
        return routes
    }
}

/// One path of the spec (`/users/{user_id}`) and its methods.
struct SpecRoute: Sendable {
    let path: String
    var methods: Set<HTTPRequest.Method>

    /// Whether a concrete path (`/users/0192…`) is this template.
    func matches(_ concrete: Substring) -> Bool {
        let template = path.split(separator: "/")
        let actual = concrete.split(separator: "/")
        guard template.count == actual.count else { return false }
        return zip(template, actual).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}

/// A request for a path the API has, with a method it does not: 405 with `Allow`, not 404
/// (RFC 9110 §15.5.6).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = KeelRequestContext
    let prefix: String
    let routes: [SpecRoute]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard path.hasPrefix(prefix + "/"),
                  let route = routes.first(where: { $0.matches(path.dropFirst(prefix.count)) }),
                  !route.methods.contains(request.method) else { throw error }
            let allowed = route.methods.map(\.rawValue).sorted().joined(separator: ", ")
            var problem = AppError(.methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(allowed).")
            problem.extensions["allow"] = .string(allowed)
            throw problem
        }
    }
}

extension AppError.Code {
    static let methodNotAllowed = Self("method_not_allowed", kind: .methodNotAllowed)
}
