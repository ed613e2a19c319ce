public import Hummingbird
import Foundation
import HTTPTypes
import Kernel
import NIOCore
import Logging

/// Turns every error into an `application/problem+json` response (RFC 9457). `AppError`s keep
/// their code and detail; anything else is a bare 500 carrying only the request id (the
/// details go to the log, never to the client).
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = KeelRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AppError {
            if error.code.kind == .internal {
                context.logger.error("internal error", metadata: ["error": "\(error)"])
            }
            return Problem(error, requestID: context.requestID).response
        } catch let error as HTTPError {
            return Problem(status: error.status, code: Problem.code(for: error.status),
                           detail: error.body ?? error.status.reasonPhrase, requestID: context.requestID).response
        } catch let error as any HTTPResponseError {
            return Problem(status: error.status, code: Problem.code(for: error.status),
                           detail: error.status.reasonPhrase, requestID: context.requestID).response
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(status: .internalServerError, code: "internal_error",
                           detail: "An unexpected error occurred.", requestID: context.requestID).response
        }
    }
}

/// An RFC 9457 problem document.
struct Problem: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let code: String
    let requestID: String

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code
        case requestID = "request_id"
    }

    init(status: HTTPResponse.Status, code: String, detail: String, requestID: String) {
        self.type = "https://keel.dev/problems/\(code.replacingOccurrences(of: "_", with: "-"))"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = code
        self.requestID = requestID
    }

    init(_ error: AppError, requestID: String) {
        let status = Self.status(for: error.code.kind)
        // Internal errors say nothing beyond "something failed"; the log has the rest.
        let detail = error.code.kind == .internal ? "An unexpected error occurred." : error.detail
        self.init(status: status, code: error.code.rawValue, detail: detail, requestID: requestID)
    }

    static func status(for kind: AppError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalidInput: .unprocessableContent
        case .notFound: .notFound
        case .conflict: .conflict
        case .preconditionFailed: .preconditionFailed
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .busy: .serviceUnavailable
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        default: status.code >= 500 ? "internal_error" : "http_\(status.code)"
        }
    }

    var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if status == 503 { headers[.retryAfter] = "1" }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
