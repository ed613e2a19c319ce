import AccountsAPI
import NotificationsAPI
import BillingAPI
import Foundation
import Kernel
import OrdersAPI
import OpenAPIRuntime

/// Implements the operations of openapi.yaml (the generated `APIProtocol`) over the modules'
/// interfaces. Handlers translate and delegate: the rules live in the modules.
struct APIHandler: APIProtocol {
    let accounts: any AccountsService
    let billing: any BillingService
    let orders: any OrdersService
    let webhooks: any WebhooksService
    /// The webhook event types (`GET /v1/webhook-event-types`).
    let catalog = webhookCatalog()
    let idempotency: any IdempotencyStore
    let limits: RateLimits

    /// The encoder the stored idempotent responses are made with: the same shape the
    /// generated serializer writes (ISO 8601 dates), keys sorted so replays are byte-stable.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// A path id: malformed ids name no record, so they are a 404 like any unknown id.
    static func userID(_ raw: String) throws -> UserID {
        guard let id = UserID(raw) else { throw AppError(.userNotFound, "There is no such user.") }
        return id
    }

    /// The version an `If-Match` asks for (RFC 9110 §13.1.1), read from the raw header (the
    /// generated decoder would percent-decode it): `"3"`, `W/"3"` or a bare `3` → 3; `*` → `nil`,
    /// any current version. A tag that is no version of ours → 0, which matches nothing, so the
    /// record is still looked up first (a 404 stays a 404) and then refused with a 412.
    static func expectedVersion(_ decoded: String) throws -> Int? {
        let header = APIRequest.current.ifMatch ?? decoded
        guard (1...64).contains(header.utf8.count) else {
            throw AppError.validation([FieldError(field: "If-Match", code: "invalid_length",
                                                  message: "If-Match must be 1 to 64 characters: the ETag you last read.")])
        }
        var tag = Substring(header.trimmingCharacters(in: .whitespaces))
        if tag == "*" { return nil }
        if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
        if tag.hasPrefix("\""), tag.hasSuffix("\""), tag.count >= 2 { tag = tag.dropFirst().dropLast() }
        guard let version = Int(tag), version > 0 else { return 0 }
        return version
    }

    static func etag(_ version: Int) -> String { "\"\(version)\"" }
}
