import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NIOCore

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
        let body: ByteBuffer
        do {
            // Small JSON bodies: read them whole, up to the limit, before any handler runs.
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Self.tooLarge(maxBodyBytes)
        }
        try Self.refuseNulls(body)
        let api = APIRequest(requestID: context.requestID, clientAddress: context.clientAddress, facts: context.facts)
        return try await APIRequest.$current.withValue(api) {
            try await next(request, context)
        }
    }

    /// No field of any Keel request is nullable, but the generated decoders read `"status": null`
    /// as an absent field. A `null` anywhere in a JSON body is refused here, with its path.
    static func refuseNulls(_ body: ByteBuffer) throws {
        guard body.readableBytes > 0, body.readableBytesView.contains(UInt8(ascii: "n")),
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
