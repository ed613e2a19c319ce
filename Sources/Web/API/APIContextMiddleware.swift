import Foundation
import Hummingbird
import HTTPTypes
import AccountsAPI
import Kernel
import NIOCore

/// The Hummingbird side of `/v1`: bounds the body, then runs the rest of the request with its
/// `APIRequest` task-local set, which is how the generated handlers learn the request id and
/// client address.
///
/// It is also where the generated layer's handling of raw HTTP is corrected, in both
/// directions: it percent-decodes header values on the way in (so `Idempotency-Key` and
/// `If-Match` are taken from here, as sent), percent-encodes them on the way out (so `ETag` is
/// restored here), and reads `null` as an absent field (so nulls are refused here).
struct APIContextMiddleware: RouterMiddleware {
    typealias Context = KeelRequestContext
    /// Largest accepted request body, in bytes.
    let maxBodyBytes: Int
    /// Where a request made during a staff member's "view as" is audited.
    let accounts: any AccountsService

    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw Self.tooLarge(maxBodyBytes)
        }
        let body: ByteBuffer
        do {
            // Small JSON bodies: read them whole, up to the limit, before any handler runs.
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Self.tooLarge(maxBodyBytes)
        }
        try Self.refuseNulls(body)
        let api = APIRequest(requestID: context.requestID, clientAddress: context.clientAddress,
                             idempotencyKey: request.headers[.idempotencyKey], ifMatch: request.headers[.ifMatch],
                             userAgent: request.headers[.userAgent], facts: context.facts)
        var response: Response
        do {
            response = try await APIRequest.$current.withValue(api) {
                try await next(request, context)
            }
        } catch where context.facts.impersonated != nil {
            // A refusal during a "view as" is answered here, so it too names the staff member
            // and is audited.
            response = ProblemMiddleware().response(for: error, context: context)
        }
        if let principal = context.facts.impersonated, let view = principal.impersonation {
            response.headers[.keelImpersonatedBy] = "\(view.staffName) <\(view.staffEmail)>"
            try await accounts.recordImpersonatedRequest(principal, method: request.method.rawValue, path: request.uri.path,
                                                         status: Int(response.status.code))
        }
        // An entity tag's quotes are its syntax (RFC 9110 §8.8.3): `"1"`, not `%221%22`.
        if let etag = response.headers[.eTag], let decoded = etag.removingPercentEncoding {
            response.headers[.eTag] = decoded
        }
        return response
    }

    /// No field of any Keel request is nullable, but the generated decoders read `"status": null`
    /// as an absent field. A `null` anywhere in a JSON body is refused here, with its path.
    static func refuseNulls(_ body: ByteBuffer) throws {
        // Parse only a body that spells `null` somewhere; the generated layer parses it anyway.
        guard body.readableBytesView.firstRange(of: Array("null".utf8)) != nil,
              let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed])
        else { return }  // not JSON: the generated layer answers that
        var paths: [String] = []
        func walk(_ value: Any, _ path: String) {
            switch value {
            case is NSNull: paths.append(path.isEmpty ? "request" : path)
            case let object as [String: Any]:
                for (key, value) in object { walk(value, path.isEmpty ? key : "\(path).\(key)") }
            case let array as [Any]:
                for (index, value) in array.enumerated() { walk(value, "\(path)[\(index)]") }
            default: break
            }
        }
        walk(json, "")
        guard paths.isEmpty else {
            throw AppError.validation(paths.sorted().map {
                FieldError(field: $0, code: "null_not_allowed", message: "null is not a value here; leave the field out instead.")
            })
        }
    }

    static func tooLarge(_ limit: Int) -> AppError {
        AppError(.payloadTooLarge, "The request body is larger than the limit of \(limit) bytes.")
    }
}

extension AppError.Code {
    static let payloadTooLarge = Self("payload_too_large", kind: .payloadTooLarge)
}
