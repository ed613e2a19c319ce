import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

/// Implements the operations of openapi.yaml (the generated `APIProtocol`) over the modules'
/// interfaces. Handlers translate and delegate: the rules live in the modules.
struct APIHandler: APIProtocol {
    let accounts: any AccountsService
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

    /// `If-Match: "3"` (or `W/"3"`, or a bare `3`) → 3. Anything else cannot match any version.
    static func expectedVersion(_ ifMatch: String) throws -> Int {
        var tag = Substring(ifMatch.trimmingCharacters(in: .whitespaces))
        if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
        if tag.hasPrefix("\""), tag.hasSuffix("\""), tag.count >= 2 { tag = tag.dropFirst().dropLast() }
        guard let version = Int(tag), version > 0 else {
            throw AppError(.invalidIfMatch, "If-Match must be the ETag of the record, such as \"3\".")
        }
        return version
    }

    static func etag(_ version: Int) -> String { "\"\(version)\"" }
}

extension AppError.Code {
    static let invalidIfMatch = Self("invalid_if_match", kind: .preconditionFailed)
}
