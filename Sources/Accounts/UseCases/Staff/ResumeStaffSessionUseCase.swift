import AccountsAPI
import Kernel
import Storage

/// The console session behind a cookie, on every console request: ended (and deleted) when it
/// is past its absolute or idle limit or its member is no longer active.
struct ResumeStaffSessionUseCase {
    let platform: PlatformDatabase
    let policy: StaffSessionPolicy

    /// `last_seen_at` is written at most this often: reads of the console stay reads.
    static let touchInterval: Double = 60

    func callAsFunction(token: String, requestID: String) async throws -> StaffSession? {
        guard SecretToken.isWellFormed(token, .staffSession) else { return nil }
        return try await platform.platform("staff session") { tx in
            guard let found = try await StaffSessionRows.find(tokenHash: SecretToken.hash(token), in: tx) else { return nil }
            let idleLimit = found.stage == .active ? policy.idleTimeout : policy.signInStepTimeout
            if found.expired || found.idleFor >= idleLimit.timeInterval || found.member.status != .active {
                try await StaffSessionRows.delete(found.sessionID, in: tx)
                return nil
            }
            if found.idleFor >= Self.touchInterval { try await StaffSessionRows.touch(found.sessionID, in: tx) }
            return StaffSession(principal: StaffPrincipal(staffID: found.member.id, email: found.member.email,
                                                          role: found.member.role, requestID: requestID),
                                stage: found.stage, csrfToken: found.csrfToken)
        }
    }
}
