import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// Console sign-in: a password, then a TOTP code (mandatory). A member who has never signed
/// in chooses their password and enrols TOTP first. Every completed step replaces the session
/// row and its token, so a token seen before sign-in finished is worth nothing after it.
struct StaffSignInUseCase {
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: StaffSessionPolicy
    let passwords: PasswordPolicy
    let dummyHash: DummyHash

    static let invalid = AppError(.invalidCredentials, "The email or password is not right.")
    static let invalidCode = AppError(.invalidCredentials, "That code is not right, or was used already. Wait for the next code and try again.")
    static let stepEnded = AppError(.unauthenticated, "Your sign-in took too long or was tried too often. Sign in again.")

    func signIn(email: String, password: String, source: String, userAgent: String?, requestID: String) async throws -> StaffSignIn {
        let wellFormed = (try? UserFields.email(email).get()) != nil
        let found = wellFormed ? try await platform.platform("staff sign-in") { tx in
            try await StaffRows.credentials(email: email, in: tx)
        } : nil
        // One Argon2 verification on every path, so timing does not say whether the address is staff.
        let storedHash = if let found { found.1 } else { try await dummyHash.value(hasher) }
        let verified = try await hasher.verify(password, against: storedHash)
        guard let member = found?.0, verified, member.status == .active else {
            try await platform.platform("audit staff sign-in") { tx in
                try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: "staff.login_failed",
                                              target: found.map { "staff/\($0.0.id)" }, requestID: requestID,
                                              after: AuditJSON.encode(["source": source]), actorStaffID: found?.0.id))
            }
            throw Self.invalid
        }
        let stage: StaffSession.Stage = member.mustChangePassword || !member.mfaEnabled ? .setup : .mfa
        let (token, hash) = SecretToken.make(.staffSession)
        try await platform.platform("staff sign-in") { tx in
            try await StaffSessionRows.insert(staffID: member.id, tokenHash: hash, stage: stage,
                                              pendingSecret: stage == .setup ? TOTP.newSecret() : nil,
                                              expiresAt: Date().addingTimeInterval(policy.signInStepTimeout.timeInterval),
                                              source: source, userAgent: userAgent, in: tx)
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: "staff.password_accepted",
                                          target: "staff/\(member.id)", requestID: requestID,
                                          after: AuditJSON.encode(["source": source, "next": stage.rawValue]),
                                          actorStaffID: member.id))
        }
        return StaffSignIn(token: token, stage: stage)
    }

    func session(token: String, requestID: String) async throws -> StaffSession? {
        guard SecretToken.isWellFormed(token, .staffSession) else { return nil }
        return try await platform.platform("staff session") { tx in
            guard let found = try await StaffSessionRows.find(tokenHash: SecretToken.hash(token), in: tx) else { return nil }
            let idleLimit = found.stage == .active ? policy.idleTimeout : policy.signInStepTimeout
            if found.expired || found.idleFor >= idleLimit.timeInterval || found.member.status != .active {
                try await StaffSessionRows.delete(found.sessionID, in: tx)
                return nil
            }
            // last_seen_at at most once a minute: reads of the console stay reads.
            if found.idleFor >= 60 { try await StaffSessionRows.touch(found.sessionID, in: tx) }
            return StaffSession(principal: StaffPrincipal(staffID: found.member.id, email: found.member.email,
                                                          role: found.member.role, requestID: requestID),
                                stage: found.stage, csrfToken: found.csrfToken)
        }
    }

    func confirm(token: String, code: String, requestID: String) async throws -> StaffSignIn {
        try await step(token, expecting: .mfa, requestID: requestID) { found, tx in
            guard let mfa = try await StaffRows.lockMFA(found.member.id, in: tx), let secret = mfa.secret,
                  let step = TOTP(secret: secret).verify(code, at: Date(), after: mfa.lastStep) else { return nil }
            try await StaffRows.useStep(found.member.id, step, in: tx)
            return "staff.signed_in"
        }
    }

    func pendingEnrolment(token: String) async throws -> TOTPEnrolment {
        guard SecretToken.isWellFormed(token, .staffSession),
              let found = try await platform.platform("staff enrolment", { tx in
                  try await StaffSessionRows.find(tokenHash: SecretToken.hash(token), in: tx)
              }), found.stage == .setup, let secret = found.pendingSecret else { throw Self.stepEnded }
        return TOTPEnrolment(secret: Base32.encode(secret),
                             uri: TOTP(secret: secret).uri(issuer: "Keel staff", account: found.member.email),
                             expiresAt: Date().addingTimeInterval(policy.signInStepTimeout.timeInterval - found.idleFor))
    }

    func completeSetup(token: String, newPassword: String, code: String, requestID: String) async throws -> StaffSignIn {
        if let error = passwords.check(newPassword, field: "new_password") { throw AppError.validation([error]) }
        // Hash before the transaction: Argon2 is the slow part, and holds no lock.
        let passwordHash = try await hasher.hash(newPassword)
        return try await step(token, expecting: .setup, requestID: requestID) { found, tx in
            guard let secret = found.pendingSecret,
                  let step = TOTP(secret: secret).verify(code, at: Date(), after: nil) else { return nil }
            try await StaffRows.completeSetup(found.member.id, passwordHash: passwordHash, secret: secret, step: step, in: tx)
            return "staff.setup_completed"
        }
    }

    func signOut(token: String, requestID: String) async throws {
        guard SecretToken.isWellFormed(token, .staffSession) else { return }
        try await platform.platform("staff sign-out") { tx in
            guard let found = try await StaffSessionRows.find(tokenHash: SecretToken.hash(token), in: tx, lock: true) else { return }
            try await StaffSessionRows.delete(found.sessionID, in: tx)
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: "staff.signed_out",
                                          target: "staff/\(found.member.id)", requestID: requestID,
                                          actorStaffID: found.member.id))
        }
    }

    /// One sign-in step on the session behind `token`, which must be at `stage`. `check`
    /// returns the audit action when the code is right, `nil` when it is not (counted; the
    /// step dies after too many). On success the session is replaced by an active one.
    private func step(_ token: String, expecting stage: StaffSession.Stage, requestID: String,
                      _ check: @Sendable (StaffSessionRows.Found, PlatformTransaction) async throws -> String?) async throws -> StaffSignIn {
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
                try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: "staff.mfa_failed",
                                              target: "staff/\(found.member.id)", requestID: requestID,
                                              actorStaffID: found.member.id))
                return .failure(Self.invalidCode)
            }
            try await StaffSessionRows.delete(found.sessionID, in: tx)
            try await StaffSessionRows.insert(staffID: found.member.id, tokenHash: newHash, stage: .active, pendingSecret: nil,
                                              expiresAt: Date().addingTimeInterval(policy.absoluteTimeout.timeInterval),
                                              source: nil, userAgent: nil, in: tx)
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: action, target: "staff/\(found.member.id)",
                                          requestID: requestID, actorStaffID: found.member.id))
            return .success(StaffSignIn(token: newToken, stage: .active))
        }
        return try outcome.get()
    }
}
