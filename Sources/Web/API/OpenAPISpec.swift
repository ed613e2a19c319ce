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

    /// The operations under `paths:`: method, path, `operationId` and `x-permission`. Reads the
    /// layout the file keeps (paths indented two spaces, methods four, operation fields six)
    /// rather than YAML in general; `RBACMatrixTests` fails if the layout ever changes.
    func operations() -> [SpecOperation] {
        var operations: [SpecOperation] = []
        var inPaths = false, path = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if !line.isEmpty, !line.hasPrefix(" ") { break }
            let indent = line.prefix { $0 == " " }.count
            let field = line.trimmingCharacters(in: .whitespaces)
            if indent == 2, field.hasPrefix("/"), field.hasSuffix(":") {
                path = String(field.dropLast())
            } else if indent == 4, let method = SpecOperation.methods[String(field.dropLast())] {
                operations.append(SpecOperation(method: method, path: path, operationID: "", permission: ""))
            } else if indent == 6, !operations.isEmpty, operations[operations.count - 1].path == path {
                // Deeper lines belong to parameters, links and schemas, not to the operation.
                if field.hasPrefix("operationId: ") { operations[operations.count - 1].operationID = String(field.dropFirst(13)) }
                if field.hasPrefix("x-permission: ") { operations[operations.count - 1].permission = String(field.dropFirst(14)) }
            }
        }
        return operations
    }

    /// Each path with the methods declared for it.
    func routes() -> [SpecRoute] {
        var routes: [SpecRoute] = []
        for operation in operations() {
            if let index = routes.firstIndex(where: { $0.path == operation.path }) {
                routes[index].methods.insert(operation.method)
            } else {
                routes.append(SpecRoute(path: operation.path, methods: [operation.method]))
            }
        }
        return routes
    }
}

/// One operation of the spec.
struct SpecOperation: Sendable, CustomStringConvertible {
    static let methods: [String: HTTPRequest.Method] = ["get": .get, "put": .put, "post": .post, "patch": .patch, "delete": .delete]

    let method: HTTPRequest.Method
    let path: String
    var operationID: String
    var permission: String

    var description: String { "\(method.rawValue) \(path) (\(operationID))" }
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

    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            guard path.hasPrefix(prefix + "/"),
                  let route = routes.first(where: { $0.matches(path.dropFirst(prefix.count)) }),
                  !route.methods.contains(request.method) else { throw error }
            let allowed = route.methods.map(\.rawValue).sorted().joined(separator: ", ")
            throw ProblemWithHeaders(
                error: AppError(.methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(allowed)."),
                headers: [.allow: allowed])
        }
    }
}

extension AppError.Code {
    static let methodNotAllowed = Self("method_not_allowed", kind: .methodNotAllowed)
}
