import AccountsAPI
import Kernel
import Storage

/// The second step of sign-in: the challenge from `logIn` and a TOTP or recovery code. Every
/// failure is the same `.invalidMFACode`; a challenge dies after its fifth wrong code.
struct CompleteMFAChallengeUseCase {
    let db: Database
    let platform: PlatformDatabase
    let sessions: SessionPolicy

    /// Wrong codes a challenge survives.
    static let challengeAttempts = 5

    static let invalid = AppError(.invalidMFACode, "The code is not right, or the sign-in took too long; sign in again.")

    func callAsFunction(_ answer: MFAChallengeAnswer) async throws -> NewSession {
        guard SecretToken.isWellFormed(answer.challengeToken, .mfaChallenge) else { throw Self.invalid }
        let hash = SecretToken.hash(answer.challengeToken)
        guard let located = try await platform.platform("locate MFA challenge", { tx in
            try await UserTokenRows.locate(hash: hash, purpose: .mfaChallenge, in: tx)
        }) else { throw Self.invalid }
        // A wrong code must still count, so the transaction commits and the failure is thrown after.
        let outcome = try await db.tenant(located.tenantID) { tx -> NewSession? in
            guard let claim = try await UserTokenRows.claim(located.tokenID, in: tx), claim.live,
                  claim.attempts < Self.challengeAttempts,
                  let user = try await UserRows.find(claim.userID, in: tx), user.status == .active, user.lockedAt == nil,
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx), tenant.status == .active,
                  let state = try await MFARows.lock(user.id, in: tx), let secret = state.secret else { return nil }
            let accepted: Bool
            switch answer.code {
            case .totp(let code):
                let step = TOTP(secret: secret).verify(code, at: tx.now, after: state.lastStep)
                if let step { try await MFARows.useStep(user.id, step, in: tx) }
                accepted = step != nil
            case .recovery(let code):
                accepted = try await MFARows.useRecoveryCode(user.id, code, in: tx)
                if accepted {
                    try await tx.audit(.mfaRecoveryCodeUsed, actor: user.id, target: "user/\(user.id)", requestID: answer.requestID)
                }
            }
            guard accepted else {
                try await UserTokenRows.countAttempt(claim.tokenID, in: tx)
                try await tx.audit(.sessionMFAFailed, actor: nil, target: "user/\(user.id)", requestID: answer.requestID,
                                   after: ["attempt": .int(claim.attempts + 1)])
                return nil
            }
            try await UserTokenRows.markUsed(claim.tokenID, in: tx)
            if case .recovery = answer.code {
                // The person is told: a recovery code used by someone else means their second
                // factor is out of their hands.
                try await tx.publish(SignedInWithRecoveryCode(
                    tenantID: tenant.id, tenantName: tenant.name, userID: user.id, name: user.name, email: user.email,
                    signedInAt: tx.now, ipAddress: claim.source ?? "unknown", userAgent: claim.userAgent,
                    codesLeft: try await MFARows.recoveryCodesLeft(user.id, in: tx)))
            }
            return try await StartSessionStep(sessions: sessions)(user, tenant: tenant, source: claim.source ?? "unknown",
                                                                  userAgent: claim.userAgent, requestID: answer.requestID, in: tx)
        }
        guard let outcome else { throw Self.invalid }
        return outcome
    }
}
