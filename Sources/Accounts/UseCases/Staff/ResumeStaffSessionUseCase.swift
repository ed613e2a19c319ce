import AccountsAPI
import Foundation
import Kernel
import Storage

/// The console session behind a cookie, on every console request: ended (and deleted) when it
/// is past its absolute or idle limit or its member is no longer active.
struct ResumeStaffSessionUseCase {
    let platform: PlatformDatabase
    let policy: StaffSessionPolicy

    /// `last_seen_at` is written at most this often: reads of the console stay reads.
    static let touchInterval: Double = 60

    /// One statement on the way through (the lookup); a write only when the session ends or
    /// its last-seen time is due.
    func callAsFunction(token: String, requestID: String) async throws -> StaffSession? {
        guard SecretToken.isWellFormed(token, .staffSession) else { return nil }
        guard let found = try await StaffSessionRows.resumable(tokenHash: SecretToken.hash(token), in: platform) else { return nil }
        let now = platform.clock.now
        let idleFor = now.timeIntervalSince(found.lastSeenAt)
        let idleLimit = found.stage == .active ? policy.idleTimeout : policy.signInStepTimeout
        if found.expiresAt <= now || idleFor >= idleLimit.timeInterval || found.member.status != .active {
            try await platform.platform("end staff session") { tx in try await StaffSessionRows.delete(found.sessionID, in: tx) }
            return nil
        }
        if idleFor >= Self.touchInterval {
            try await platform.platform("touch staff session") { tx in try await StaffSessionRows.touch(found.sessionID, in: tx) }
        }
        return StaffSession(principal: StaffPrincipal(staffID: found.member.id, email: found.member.email,
                                                      role: found.member.role, requestID: requestID),
                            stage: found.stage, csrfToken: found.csrfToken)
    }
}
