import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import Logging
import NIOHTTP1
import TemplateEngine

/// The console's outer layer: refuses cross-site state changes before any handler runs, and
/// turns errors into readable HTML pages instead of problem documents.
///
/// Cross-site check (on every method but GET and HEAD): a browser's `Sec-Fetch-Site` must be
/// `same-origin` (or `none`, typed by the user); without it, an `Origin` must name this host.
/// A request with neither is not from a modern browser's form and still needs the CSRF token.
struct AdminGuardMiddleware: RouterMiddleware {
    typealias Context = KeelRequestContext
    let templates: @Sendable () -> TemplateLibrary

    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            if request.method != .get && request.method != .head {
                try Self.checkSameOrigin(request)
            }
            return try await next(request, context)
        } catch let redirect as AdminRedirect {
            return redirect.response
        } catch {
            return errorPage(error, context: context)
        }
    }

    static func checkSameOrigin(_ request: Request) throws {
        if let site = request.headers[.secFetchSite] {
            guard site == "same-origin" || site == "none" else { throw crossSite }
            return
        }
        if let origin = request.headers[.origin] {
            guard let host = URLComponents(string: origin)?.host, let authority = request.head.authority,
                  origin != "null" else { throw crossSite }
            let port = URLComponents(string: origin)?.port.map { ":\($0)" } ?? ""
            guard (host + port).lowercased() == authority.lowercased() else { throw crossSite }
        }
    }

    static let crossSite = AppError(.forbidden, "This form was sent from another site, so it was refused. Open the console and try again from there.")

    private func errorPage(_ error: any Error, context: Context) -> Response {
        var status = HTTPResponse.Status.internalServerError
        var message = "Something went wrong on our side. The request id below helps us find out what."
        var headers = HTTPFields()
        var fields: [String] = []
        switch error {
        case let error as AppError:
            status = Problem.status(for: error.code.kind)
            if error.code.kind == .internal {
                context.logger.error("admin internal error", metadata: ["error": "\(error)"])
            } else {
                if error.code.kind == .unavailable {
                    context.logger.warning("admin unavailable", metadata: ["error": "\(error)"])
                }
                message = error.detail
                fields = error.fieldErrors.map(\.message)
            }
            if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        case let problem as ProblemWithHeaders:
            status = Problem.status(for: problem.error.code.kind)
            message = problem.error.detail
            headers = problem.headers
            if let seconds = problem.error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        case let error as HTTPParserError:
            status = .badRequest
            message = "The request could not be read (\(error))."
        case let error as any HTTPResponseError:
            status = error.status
            message = status == .notFound ? "There is no such page." : status.reasonPhrase
        default:
            context.logger.error("admin unhandled error", metadata: ["error": "\(String(reflecting: error))"])
        }
        let model = AdminView(chrome: Chrome(), page: ErrorPage(status: status.code, title: status.reasonPhrase,
                                                                 message: message, fields: fields, requestID: context.requestID))
        let html = (try? templates().render("admin/error.html", model))
            ?? "<!doctype html><title>Error</title><p>Error \(status.code). Request id: \(context.requestID.htmlEscaped)</p>"
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    struct ErrorPage: Encodable, Sendable {
        let status: Int
        let title: String
        let message: String
        let fields: [String]
        let requestID: String
    }
}

/// Thrown to send the browser elsewhere (to sign in, say) from deep inside a handler.
struct AdminRedirect: Error {
    let location: String
    static let signIn = AdminRedirect(location: "/admin/login")

    var response: Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

extension String {
    /// For the one page written without a template (the error page when templates fail).
    var htmlEscaped: String {
        var out = ""
        for c in self {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
