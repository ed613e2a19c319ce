public import Foundation

/// Who an `Idempotency-Key` belongs to: keys never collide across tenants or principals.
public struct IdempotencyScope: Sendable, Hashable {
    public let rawValue: String
    /// The tenant whose rows the stored response belongs to; `nil` for the anonymous scope.
    public let tenantID: TenantID?

    /// Requests made before anyone is known (signup).
    public static let anonymous = IdempotencyScope(rawValue: "anonymous", tenantID: nil)

    /// Requests made by one user of one tenant.
    public static func principal(_ principal: Principal) -> IdempotencyScope {
        // A key's requests are its own: a person and the keys they made never share a key space.
        let who = switch principal.credential {
        case .session: "user/\(principal.userID)"
        case .apiKey(let id, _): "api-key/\(id)"
        }
        return IdempotencyScope(rawValue: "tenant/\(principal.tenantID)/\(who)", tenantID: principal.tenantID)
    }
}

/// A response as the HTTP edge sent it, stored so that a retry gets the same answer.
public struct StoredResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// A running claim on a key: only its holder may complete it.
public struct IdempotencyClaim: Sendable, Equatable {
    public let scope: IdempotencyScope
    public let key: String
    public let token: UUID

    public init(scope: IdempotencyScope, key: String, token: UUID) {
        self.scope = scope
        self.key = key
        self.token = token
    }
}

/// What to do with a request that carries a key.
public enum IdempotencyDecision: Sendable, Equatable {
    /// First time (or an earlier attempt failed without effect): go ahead, then complete the claim.
    case proceed(IdempotencyClaim)
    /// Done before: send this again.
    case replay(StoredResponse)
    /// The key was used with a different request.
    case mismatch
    /// The first request with this key is still running.
    case inFlight
}

/// The stored responses behind `Idempotency-Key`. The HTTP edge calls `begin` before the
/// work; the work completes the claim inside its own transaction (`IdempotentCompletion`), so
/// the effect and the stored response commit together.
public protocol IdempotencyStore: Sendable {
    func begin(scope: IdempotencyScope, key: String, fingerprint: [UInt8]) async throws -> IdempotencyDecision
    /// Stores a response made without an effect (a refused request), in its own transaction.
    func complete(_ claim: IdempotencyClaim, with response: StoredResponse) async throws
    /// Gives the key up after a failure that changed nothing, so a retry runs afresh.
    func release(_ claim: IdempotencyClaim) async throws
}

/// Handed to a use case with the claim: it renders the response from the result, inside the
/// use case's transaction, for Storage to record there.
public struct IdempotentCompletion<Result: Sendable>: Sendable {
    public let claim: IdempotencyClaim
    public let render: @Sendable (Result) throws -> StoredResponse

    public init(claim: IdempotencyClaim, render: @escaping @Sendable (Result) throws -> StoredResponse) {
        self.claim = claim
        self.render = render
    }
}

extension AppError.Code {
    public static let idempotencyKeyReused = Self("idempotency_key_reused", kind: .invalidInput)
    public static let idempotencyKeyInFlight = Self("idempotency_key_in_flight", kind: .conflict)
}
