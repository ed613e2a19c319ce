import Foundation
import HTTPTypes
import Hummingbird
import Kernel
import NIOCore
import OpenAPIRuntime

/// An RFC 9457 problem document.
struct Problem: Encodable {
    static let contentType = "application/problem+json"

    let type: String
    let title: String
    let status: Int
    let detail: String
    let code: String
    let requestID: String
    var errors: [FieldError]?
    var extensions: [String: AppError.Extension] = [:]
    var retryAfter: Int?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code, errors
        case requestID = "request_id"
    }

    struct ExtensionKey: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status, forKey: .status)
        try container.encode(detail, forKey: .detail)
        try container.encode(code, forKey: .code)
        try container.encode(requestID, forKey: .requestID)
        try container.encodeIfPresent(errors, forKey: .errors)
        var more = encoder.container(keyedBy: ExtensionKey.self)
        for (key, value) in extensions {
            switch value {
            case .int(let number): try more.encode(number, forKey: ExtensionKey(stringValue: key))
            case .string(let text): try more.encode(text, forKey: ExtensionKey(stringValue: key))
            }
        }
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
        if !error.fieldErrors.isEmpty { errors = error.fieldErrors }
        extensions = error.extensions
        retryAfter = error.retryAfterSeconds
    }

    /// A body the generated decoder could not read: the wrong type, a missing or unknown field.
    init(_ error: DecodingError, requestID: String) {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            let path = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "request" : path
        }
        let field: FieldError
        switch error {
        case .typeMismatch(let type, let context):
            field = FieldError(field: path(context), code: "invalid_type", message: "Expected \(Self.jsonType(type)).")
        case .valueNotFound(let type, let context):
            field = FieldError(field: path(context), code: "missing", message: "Expected \(Self.jsonType(type)), found null.")
        case .keyNotFound(let key, let context):
            field = FieldError(field: path(context, key), code: "missing", message: "This field is required.")
        case .dataCorrupted(let context) where context.codingPath.isEmpty && context.underlyingError != nil:
            field = FieldError(field: "request", code: "malformed_json", message: "The body is not valid JSON.")
        case .dataCorrupted(let context):
            // The generated decoders refuse keys the schema does not name (additionalProperties: false).
            let unknown = context.debugDescription.contains("Additional properties are disabled")
            field = FieldError(field: path(context), code: unknown ? "unknown_field" : "invalid_value",
                               message: unknown ? "This field is not part of the schema." : "The value is not valid here: \(context.debugDescription)")
        @unknown default:
            field = FieldError(field: "body", code: "invalid", message: "The body could not be read.")
        }
        self.init(status: .badRequest, code: "malformed_request",
                  detail: "The request does not match the schema: \(field.field): \(field.message)", requestID: requestID)
        errors = [field]
    }

    static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "a value of another type"
        }
    }

    /// What the generated layer found wrong with a request, minus internals.
    static func detail(_ error: ServerError) -> String {
        if error.httpStatus == .badRequest, error.causeDescription.contains("JSON") {
            return "The request body is not valid JSON."
        }
        return error.causeDescription == "Unknown" ? error.httpStatus.reasonPhrase : error.causeDescription
    }

    static func status(for kind: AppError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalidInput: .unprocessableContent
        case .notFound: .notFound
        case .conflict: .conflict
        case .preconditionFailed: .preconditionFailed
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .paymentRequired: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
        case .busy: .serviceUnavailable
        case .rateLimited: .tooManyRequests
        case .payloadTooLarge: .contentTooLarge
        case .methodNotAllowed: .methodNotAllowed
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

    var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    var response: Response { response(adding: [:]) }

    /// The response, with `headers` (such as `Allow` or `RateLimit-*`) beside the standard ones.
    func response(adding headers: HTTPFields) -> Response {
        var all = headers
        all[.contentType] = Self.contentType
        if let retryAfter { all[.retryAfter] = String(retryAfter) } else if status == 503 { all[.retryAfter] = "1" }
        return Response(status: .init(code: status), headers: all, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}

/// An `AppError` whose response carries headers of its own: `Allow` on a 405, the
/// `RateLimit-*` fields on a 429. The headers are HTTP's business, so they travel beside the
/// error rather than in it.
struct ProblemWithHeaders: Error {
    let error: AppError
    let headers: HTTPFields
}
