import Kernel

/// What an API operation knows about its request beyond its typed input: the request id, the
/// client's address and, once authenticated, the principal.
///
/// The generated OpenAPI handlers see only typed input, so the Hummingbird side hands these
/// over as a task-local for the duration of the request (`APIContextMiddleware`), and the
/// access middleware adds the principal.
struct APIRequest: Sendable {
    @TaskLocal static var current = APIRequest(requestID: "", clientAddress: "unknown", facts: nil)

    var requestID: String
    var clientAddress: String
    var principal: Principal?
    /// `Idempotency-Key` and `If-Match` exactly as sent. The generated layer percent-decodes
    /// header values, which would make `a%41b` and `aAb` one key.
    var idempotencyKey: String?
    var ifMatch: String?
    /// The client's `User-Agent`, remembered with a new session.
    var userAgent: String?
    /// For the request log: the tenant, once known.
    let facts: RequestFacts?

    init(requestID: String, clientAddress: String, idempotencyKey: String? = nil, ifMatch: String? = nil,
         userAgent: String? = nil, facts: RequestFacts?) {
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.idempotencyKey = idempotencyKey
        self.ifMatch = ifMatch
        self.userAgent = userAgent
        self.facts = facts
    }

    /// The caller, or a 401.
    func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw AppError(.unauthenticated, "Authentication required: send 'Authorization: Bearer <token>'.")
        }
        return principal
    }

    /// The current request's caller; the access middleware guarantees one on every operation
    /// that needs it.
    static func principal() throws -> Principal {
        try current.requirePrincipal()
    }
}
