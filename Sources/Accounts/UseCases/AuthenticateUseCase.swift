import AccountsAPI
import Foundation
import Kernel
import Storage

/// Turns a bearer token into a principal: finds the session by the token's hash (the one
/// cross-tenant read), then checks the user is active and the session within both expiries.
struct AuthenticateUseCase {
    let db: Database
    let platform: PlatformDatabase
    let sessions: SessionPolicy

    /// `last_seen_at` is written at most this often per session, not on every request.
    static let touchInterval: TimeInterval = 60

    func callAsFunction(token: String, requestID: String) async throws -> Principal? {
        // A malformed token cannot match; skip the database.
        guard token.hasPrefix("keel_"), token.utf8.count == 48 else { return nil }
        let hash = LogInUseCase.hash(token)
        guard let found = try await platform.platform("authenticate session", { tx in
            try await SessionRows.lookup(tokenHash: hash, in: tx)
        }) else { return nil }
        let idleLimit = TimeInterval(sessions.idleTimeout.components.seconds)
        let ended = !found.userActive || found.expiresAt <= found.now
            || found.lastSeenAt.addingTimeInterval(idleLimit) <= found.now
        if ended {
            try await db.tenant(found.tenantID) { tx in try await SessionRows.delete(found.sessionID, in: tx) }
            return nil
        }
        if found.now.timeIntervalSince(found.lastSeenAt) >= Self.touchInterval {
            try await db.tenant(found.tenantID) { tx in try await SessionRows.touch(found.sessionID, in: tx) }
        }
        return Principal(tenantID: found.tenantID, userID: found.userID, sessionID: found.sessionID,
                         role: found.role, requestID: requestID)
    }
}
