import AccountsAPI
import Foundation
import Kernel
import Storage

/// TOTP enrolment, the second step of sign-in, and turning MFA off. Every check of a code
/// locks the user's row and records the step it used, so a code works once even when two
/// requests present it at the same moment.
struct MFAUseCase {
    let db: Database
    let platform: PlatformDatabase
    let sessions: SessionPolicy

    /// An unconfirmed secret is good for this long.
    static let enrolmentLifetime: TimeInterval = 600
    /// Wrong codes a challenge survives.
    static let challengeAttempts = 5

    func start(_ principal: Principal) async throws -> TOTPEnrolment {
        try principal.requireSession()
        return try await db.tenant(principal.tenantID) { tx in
            guard let state = try await MFARows.lock(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            guard state.secret == nil else { throw AppError(.mfaAlreadyEnabled, "MFA is already on; turn it off first to enrol again.") }
            let secret = TOTP.newSecret()
            let expiresAt = Date().addingTimeInterval(Self.enrolmentLifetime)
            try await MFARows.setPending(principal.userID, secret: secret, until: expiresAt, in: tx)
            try await tx.audit("mfa.enrolment_started", by: principal, target: "user/\(principal.userID)")
            let totp = TOTP(secret: secret)
            return TOTPEnrolment(secret: Base32.encode(secret),
                                 uri: totp.uri(issuer: "Keel \(tenant.slug)", account: state.email), expiresAt: expiresAt)
        }
    }

    func confirm(_ principal: Principal, code: String) async throws -> [String] {
        try principal.requireSession()
        return try await db.tenant(principal.tenantID) { tx in
            guard let state = try await MFARows.lock(principal.userID, in: tx) else { throw AccountErrors.gone }
            guard state.secret == nil else { throw AppError(.mfaAlreadyEnabled, "MFA is already on.") }
            guard let pending = state.pendingSecret, state.pendingLive else {
                throw AppError(.mfaNotEnabled, "There is no enrolment in progress (or it expired); start again.")
            }
            guard let step = TOTP(secret: pending).verify(code, at: Date(), after: nil) else { throw Self.wrongCode }
            try await MFARows.enable(principal.userID, step: step, in: tx)
            let codes = RecoveryCode.make()
            try await MFARows.replaceRecoveryCodes(principal.userID, codes, in: tx)
            try await tx.audit("mfa.enabled", by: principal, target: "user/\(principal.userID)")
            return codes
        }
    }

    func disable(_ principal: Principal, code: String) async throws {
        try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            guard let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            if tenant.requireMFA {
                throw AppError(.mfaRequiredByTenant, "Your organisation requires MFA; it cannot be turned off.")
            }
            _ = try await checkCode(principal, code, in: tx)
            try await MFARows.disable(principal.userID, in: tx)
            try await tx.audit("mfa.disabled", by: principal, target: "user/\(principal.userID)")
        }
    }

    func regenerateRecoveryCodes(_ principal: Principal, code: String) async throws -> [String] {
        try principal.requireSession()
        return try await db.tenant(principal.tenantID) { tx in
            _ = try await checkCode(principal, code, in: tx)
            let codes = RecoveryCode.make()
            try await MFARows.replaceRecoveryCodes(principal.userID, codes, in: tx)
            try await tx.audit("mfa.recovery_codes_replaced", by: principal, target: "user/\(principal.userID)")
            return codes
        }
    }

    /// A fresh TOTP code from the signed-in person's app; the step is used up.
    private func checkCode(_ principal: Principal, _ code: String, in tx: TenantTransaction) async throws -> Int64 {
        guard let state = try await MFARows.lock(principal.userID, in: tx) else { throw AccountErrors.gone }
        guard let secret = state.secret else { throw AppError(.mfaNotEnabled, "MFA is not on.") }
        guard let step = TOTP(secret: secret).verify(code, at: Date(), after: state.lastStep) else { throw Self.wrongCode }
        try await MFARows.useStep(principal.userID, step, in: tx)
        return step
    }

    /// The second step of sign-in: the challenge from `logIn` and a TOTP or recovery code.
    /// Every failure is the same `.invalidMFACode`; a challenge dies after its fifth wrong code.
    func complete(_ answer: MFAChallengeAnswer) async throws -> NewSession {
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
                let step = TOTP(secret: secret).verify(code, at: Date(), after: state.lastStep)
                if let step { try await MFARows.useStep(user.id, step, in: tx) }
                accepted = step != nil
            case .recovery(let code):
                accepted = try await MFARows.useRecoveryCode(user.id, code, in: tx)
                if accepted {
                    try await tx.audit("mfa.recovery_code_used", actor: user.id, target: "user/\(user.id)",
                                       requestID: answer.requestID)
                }
            }
            guard accepted else {
                try await UserTokenRows.countAttempt(claim.tokenID, in: tx)
                try await tx.audit("session.mfa_failed", actor: nil, target: "user/\(user.id)", requestID: answer.requestID,
                                   after: AuditJSON.encode(["attempt": String(claim.attempts + 1)]))
                return nil
            }
            try await UserTokenRows.markUsed(claim.tokenID, in: tx)
            return try await StartSession(sessions: sessions)(user, tenant: tenant, source: claim.source ?? "unknown",
                                                              userAgent: claim.userAgent, requestID: answer.requestID, in: tx)
        }
        guard let outcome else { throw Self.invalid }
        return outcome
    }

    static let invalid = AppError(.invalidMFACode, "The code is not right, or the sign-in took too long; sign in again.")
    static let wrongCode = AppError.validation([FieldError(field: "code", code: "incorrect_code",
                                                           message: "The code is not right; use the current code from your app.")])
}
