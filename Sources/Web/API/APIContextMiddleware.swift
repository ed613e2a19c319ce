import Hummingbird
import HTTPTypes
import Kernel

/// The Hummingbird side of `/v1`: bounds the body, then runs the rest of the request with its
/// `APIRequest` task-local set, which is how the generated handlers learn the request id and
/// client address.
struct APIContextMiddleware: RouterMiddleware {
    typealias Context = KeelRequestContext
    /// Largest accepted request body, in bytes.
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw Self.tooLarge(maxBodyBytes)
        }
        do {
            // Small JSON bodies: read them whole, up to the limit, before any handler runs.
            _ = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Self.tooLarge(maxBodyBytes)
        }
        let api = APIRequest(requestID: context.requestID, clientAddress: context.clientAddress, facts: context.facts)
        return try await APIRequest.$current.withValue(api) {
            try await next(request, context)
        }
    }

    static func tooLarge(_ limit: Int) -> AppError {
        AppError(.payloadTooLarge, "The request body is larger than the limit of \(limit) bytes.")
    }
}

extension AppError.Code {
    static let payloadTooLarge = Self("payload_too_large", kind: .payloadTooLarge)
}
