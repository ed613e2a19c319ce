import AccountsAPI
import Foundation
import Kernel
import Storage

/// One sign-in step on the session behind `token`, which must be at `stage`. `check` returns
/// the audit action when the code is right, `nil` when it is not (counted; the step dies after
/// too many). On success the session is replaced by an active one with a new token, so a token
/// seen before sign-in finished is worth nothing after it. Run by `ConfirmStaffSignInUseCase`
/// and `CompleteStaffSetupUseCase`.
struct AdvanceStaffSignInStep {
    let platform: PlatformDatabase
    let policy: StaffSessionPolicy

    static let invalidCode = AppError(.invalidCredentials, "That code is not right, or was used already. Wait for the next code and try again.")
    static let stepEnded = AppError(.unauthenticated, "Your sign-in took too long or was tried too often. Sign in again.")

    func callAsFunction(
        _ token: String, expecting stage: StaffSession.Stage, requestID: String,
        _ check: @Sendable (StaffSessionRows.Found, PlatformTransaction) async throws -> AccountsAuditAction?
    ) async throws -> StaffSignIn {
        guard SecretToken.isWellFormed(token, .staffSession) else { throw Self.stepEnded }
        let (newToken, newHash) = SecretToken.make(.staffSession)
        let outcome: Result<StaffSignIn, AppError> = try await platform.platform("staff sign-in step") { tx in
            guard let found = try await StaffSessionRows.find(tokenHash: SecretToken.hash(token), in: tx, lock: true),
                  found.stage == stage, !found.expired, found.member.status == .active,
                  found.idleFor < policy.signInStepTimeout.timeInterval,
                  found.attempts < policy.signInStepAttempts else { return .failure(Self.stepEnded) }
            guard let action = try await check(found, tx) else {
                // Counted in this transaction, which commits: the refusal is thrown after it.
                try await StaffSessionRows.countAttempt(found.sessionID, in: tx)
                try await tx.audit(.staffMFAFailed, staff: found.member.id, target: "staff/\(found.member.id)",
                                   requestID: requestID)
                return .failure(Self.invalidCode)
            }
            try await StaffSessionRows.delete(found.sessionID, in: tx)
            try await StaffSessionRows.insert(staffID: found.member.id, tokenHash: newHash, stage: .active, pendingSecret: nil,
                                              expiresAt: tx.now.addingTimeInterval(policy.absoluteTimeout.timeInterval),
                                              source: nil, userAgent: nil, in: tx)
            try await tx.audit(action, staff: found.member.id, target: "staff/\(found.member.id)", requestID: requestID)
            return .success(StaffSignIn(token: newToken, stage: .active))
        }
        return try outcome.get()
    }
}
