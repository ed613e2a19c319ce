import AccountsAPI
import Foundation
import Kernel
import Storage

/// Turns a bearer token into a principal. A session token (`keel_…`) is found by its hash (the
/// one cross-tenant read), then the user must be active and the session within both expiries;
/// an API key (`keelk_…`) must be unrevoked and its creator active, and acts as the creator
/// with at most the key's permissions.
struct AuthenticateUseCase {
    let db: Database
    let platform: PlatformDatabase
    let sessions: SessionPolicy
    let touches: TouchesInFlight

    /// `last_seen_at` / `last_used_at` are written at most this often, not on every request, and
    /// by one request at a time (`TouchesInFlight`).
    static let touchInterval: TimeInterval = 60

    func callAsFunction(token: String, requestID: String) async throws -> Principal? {
        // A malformed token cannot match; skip the database.
        if SecretToken.isWellFormed(token, .session) { return try await session(token, requestID: requestID) }
        if SecretToken.isWellFormed(token, .impersonation) { return try await impersonation(token, requestID: requestID) }
        if SecretToken.isWellFormed(token, .apiKey) { return try await apiKey(token, requestID: requestID) }
        return nil
    }

    private func session(_ token: String, requestID: String) async throws -> Principal? {
        let hash = SecretToken.hash(token)
        guard let found = try await SessionRows.lookup(tokenHash: hash, in: platform) else { return nil }
        let idleLimit = TimeInterval(sessions.idleTimeout.components.seconds)
        let now = db.clock.now
        let ended = !found.usable || found.expiresAt <= now || found.lastSeenAt.addingTimeInterval(idleLimit) <= now
        if ended {
            try await db.tenant(found.tenantID) { tx in try await SessionRows.delete(found.sessionID, in: tx) }
            return nil
        }
        if now.timeIntervalSince(found.lastSeenAt) >= Self.touchInterval {
            try await touches.once(found.sessionID.rawValue) {
                try await db.tenant(found.tenantID) { tx in try await SessionRows.touch(found.sessionID, in: tx) }
            }
        }
        return Principal(tenantID: found.tenantID, userID: found.userID, credential: .session(found.sessionID),
                         role: found.role, requestID: requestID, mfaEnrolmentRequired: found.mfaEnrolmentRequired,
                         billingBlocked: found.billingBlocked)
    }

    /// A staff member's "view as": the user's principal, held to the view's time box (not to
    /// idleness), carrying who is viewing. A view found past its time box is ended here.
    private func impersonation(_ token: String, requestID: String) async throws -> Principal? {
        guard let found = try await SessionRows.lookup(tokenHash: SecretToken.hash(token), in: platform), found.usable else {
            return nil
        }
        return try await db.tenant(found.tenantID) { tx -> Principal? in
            guard let view = try await ImpersonationRows.find(found.sessionID, in: tx), view.endedAt == nil,
                  view.impersonation.endsAt > tx.now else {
                _ = try await EndImpersonationStep()(found.sessionID, why: "time box", staff: nil, requestID: requestID, in: tx)
                return nil
            }
            return Principal(tenantID: found.tenantID, userID: found.userID, credential: .session(found.sessionID),
                             role: found.role, requestID: requestID, mfaEnrolmentRequired: false,
                             billingBlocked: found.billingBlocked, impersonation: view.impersonation)
        }
    }

    private func apiKey(_ token: String, requestID: String) async throws -> Principal? {
        let hash = SecretToken.hash(token)
        guard let found = try await platform.platform("authenticate API key", { tx in
            try await APIKeyRows.lookup(hash: hash, in: tx)
        }), found.usable else { return nil }
        if found.lastUsedAt.map({ found.now.timeIntervalSince($0) >= Self.touchInterval }) ?? true {
            try await touches.once(found.keyID.rawValue) {
                try await db.tenant(found.tenantID) { tx in try await APIKeyRows.touch(found.keyID, in: tx) }
            }
        }
        return Principal(tenantID: found.tenantID, userID: found.userID,
                         credential: .apiKey(found.keyID, scopes: found.scopes), role: found.role, requestID: requestID,
                         billingBlocked: found.billingBlocked)
    }
}
