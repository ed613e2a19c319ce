import Crypto
import Foundation
import Kernel

/// Runs a creating operation under an `Idempotency-Key`.
///
/// Without a key the work simply runs. With one, the store decides: a first request runs and
/// its response is recorded inside the work's own transaction; a repeat gets the stored
/// response; the same key with another body is a 422, and while the first is running a 409.
/// A refusal (4xx) is stored too, so a retry is answered the same way; a failure that changed
/// nothing (5xx, database down) releases the key so the retry runs afresh.
struct IdempotentOperation<Body: Encodable & Sendable, Result: Sendable, Response: Codable & Sendable> {
    let store: any IdempotencyStore
    let scope: IdempotencyScope
    let key: String?
    let operationID: String
    let body: Body
    /// The success status and body the operation answers with.
    let status: Int
    let response: @Sendable (Result) throws -> Response

    enum Outcome {
        case fresh(Response)
        case replayed(Response)
    }

    func run(_ work: (IdempotentCompletion<Result>?) async throws -> Result) async throws -> Outcome {
        guard let key else { return .fresh(try response(try await work(nil))) }
        try Self.validate(key)
        let fingerprint = try fingerprint()
        switch try await store.begin(scope: scope, key: key, fingerprint: fingerprint) {
        case .replay(let stored):
            guard stored.status == status else { throw ReplayedResponse(stored: stored) }
            return .replayed(try APIHandler.decoder.decode(Response.self, from: Data(stored.body)))
        case .mismatch:
            throw AppError(.idempotencyKeyReused,
                           "This Idempotency-Key was used with a different request; use a new key for a new request.")
        case .inFlight:
            var error = AppError(.idempotencyKeyInFlight,
                                 "A request with this Idempotency-Key is still being processed; retry shortly.")
            error.retryAfterSeconds = 1
            throw error
        case .proceed(let claim):
            let status = self.status
            let response = self.response
            let completion = IdempotentCompletion<Result>(claim: claim) { result in
                StoredResponse(status: status, contentType: "application/json",
                               body: Array(try APIHandler.encoder.encode(try response(result))))
            }
            do {
                return .fresh(try response(try await work(completion)))
            } catch let error as AppError where error.isClientError && error.retryAfterSeconds == nil {
                // A refusal that says when to try again ("in flight", "in progress") is not the
                // final answer, so it is not stored: the retry runs afresh.
                let problem = Problem(error, requestID: APIRequest.current.requestID)
                try await store.complete(claim, with: StoredResponse(status: problem.status, contentType: Problem.contentType,
                                                                     body: Array(problem.json)))
                throw error
            } catch {
                try? await store.release(claim)
                throw error
            }
        }
    }

    /// 1–255 visible ASCII characters, as the spec says.
    static func validate(_ key: String) throws {
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw AppError.validation([FieldError(field: "Idempotency-Key", code: "invalid_format",
                                                  message: "Idempotency-Key must be 1 to 255 visible ASCII characters.")])
        }
    }

    /// SHA-256 over the operation and the body as parsed and re-encoded with sorted keys, so
    /// formatting and key order do not make a retry look like a different request.
    func fingerprint() throws -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Data(operationID.utf8))
        hasher.update(data: [0])
        hasher.update(data: try APIHandler.encoder.encode(body))
        return Array(hasher.finalize())
    }
}

/// A stored error response being replayed: the problem middleware sends it as it was.
struct ReplayedResponse: Error {
    let stored: StoredResponse
}

extension AppError {
    /// The caller's mistake (4xx): the answer will not change on retry, so it may be stored.
    var isClientError: Bool {
        switch code.kind {
        case .invalidInput, .notFound, .conflict, .preconditionFailed, .unauthenticated, .forbidden, .paymentRequired, .payloadTooLarge,
             .methodNotAllowed: true
        case .busy, .unavailable, .rateLimited, .internal: false
        }
    }
}
