public import Hummingbird
import Foundation
import OpenAPIRuntime
import HTTPTypes
import Kernel
import NIOCore
import NIOHTTP1
import Logging

/// Turns every error into an `application/problem+json` response (RFC 9457). `AppError`s keep
/// their code and detail; anything else is a bare 500 carrying only the request id (the
/// details go to the log, never to the client).
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = KeelRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return response(for: error, context: context)
        }
    }

    func response(for error: any Error, context: Context) -> Response {
        switch error {
        case let error as ServerError:
            // The generated API layer wraps what went wrong: our own errors from handlers and
            // middleware, or its own findings about the request (bad JSON, missing header…).
            if error.underlyingError is AppError || error.underlyingError is ReplayedResponse
                || error.underlyingError is ProblemWithHeaders {
                return response(for: error.underlyingError, context: context)
            }
            if let decoding = error.underlyingError as? DecodingError {
                return Problem(decoding, requestID: context.requestID).response
            }
            // The runtime's error type is internal; its description is the stable part.
            if error.causeDescription.contains("header field named 'If-Match' is missing") {
                return Problem(status: .init(code: 428, reasonPhrase: "Precondition Required"), code: "precondition_required",
                               detail: "This change needs an If-Match header with the ETag you last read.",
                               requestID: context.requestID).response
            }
            if error.httpStatus.code < 500 {
                return Problem(status: error.httpStatus, code: Problem.code(for: error.httpStatus),
                               detail: Problem.detail(error), requestID: context.requestID).response
            }
            context.logger.error("API error", metadata: ["error": "\(String(reflecting: error.underlyingError))",
                                                         "operation": "\(error.operationID)"])
            return Problem(status: .internalServerError, code: "internal_error",
                           detail: "An unexpected error occurred.", requestID: context.requestID).response
        case let problem as ProblemWithHeaders:
            return Problem(problem.error, requestID: context.requestID).response(adding: problem.headers)
        case let error as AppError:
            switch error.code.kind {
            case .internal: context.logger.error("internal error", metadata: ["error": "\(error)"])
            // The client is told only "try again shortly"; the operator is told why (no
            // connection within the wait limit, a lock timeout, the server gone).
            case .unavailable: context.logger.warning("unavailable", metadata: ["error": "\(error)"])
            default: break
            }
            return Problem(error, requestID: context.requestID).response
        case let replay as ReplayedResponse:
            var headers = HTTPFields()
            headers[.contentType] = replay.stored.contentType
            headers[.idempotentReplayed] = "true"
            return Response(status: .init(code: replay.stored.status), headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: replay.stored.body)))
        case let error as HTTPParserError:
            // A malformed request body (a chunk size that is not hex, a client gone mid-body): the
            // client's fault, and usually no one is left to read the answer.
            context.logger.notice("malformed request", metadata: ["error": "\(error)"])
            return Problem(status: .badRequest, code: "malformed_request", detail: "The request could not be read: \(error).",
                           requestID: context.requestID).response
        case let error as HTTPError:
            return Problem(status: error.status, code: Problem.code(for: error.status),
                           detail: error.body ?? error.status.reasonPhrase, requestID: context.requestID).response
        case let error as any HTTPResponseError:
            return Problem(status: error.status, code: Problem.code(for: error.status),
                           detail: error.status.reasonPhrase, requestID: context.requestID).response
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return Problem(status: .internalServerError, code: "internal_error",
                           detail: "An unexpected error occurred.", requestID: context.requestID).response
        }
    }
}
