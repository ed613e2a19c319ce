public import Hummingbird
import Foundation
import HTTPTypes
import Kernel
import Logging

/// Gives every request an id, echoed in `X-Request-Id` and attached to its log lines.
/// A client's id is kept when it is 1–128 characters of `A-Z a-z 0-9 . _ -` (so it cannot
/// inject into logs or headers); otherwise a new UUID is issued.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = KeelRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let offered = request.headers[.xRequestID]
        context.requestID = offered.flatMap { Self.isWellFormed($0) ? $0 : nil } ?? UUID.random().lowercasedString
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response = try await next(request, context)
        response.headers[.xRequestID] = context.requestID
        return response
    }

    static func isWellFormed(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
            }
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
