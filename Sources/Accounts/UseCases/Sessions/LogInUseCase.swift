import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// Checks credentials and starts a session.
///
/// Unknown tenant, unknown email, wrong password, a deactivated user and a source that is
/// backing off all get the same error after the same work — one Argon2 verification (against
/// a dummy hash when there is no user) — so neither the answer nor its timing tells an
/// attacker which accounts exist. Every attempt is an audit event.
struct LogInUseCase {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let sessions: SessionPolicy
    let dummyHash: DummyHash

    /// A failed login is answered no sooner than this after it began. The work behind the
    /// answers differs a little (a known account's back-off is checked and its failure
    /// counted, about a millisecond); the floor, well above that work, hides it.
    static let failureFloor: Duration = .milliseconds(150)

    func callAsFunction(_ request: LogIn) async throws -> LogInOutcome {
        let started = ContinuousClock.now
        do {
            // The hasher's place is taken before anything else, for every login alike: in a
            // storm the refusal ("busy") costs no database work and says nothing about the account.
            return try await hasher.withAdmission { try await attempt(request) }
        } catch let error as AppError where error.code == .invalidCredentials {
            try? await Task.sleep(until: started + Self.failureFloor, clock: .continuous)
            throw error
        }
    }

    private func attempt(_ request: LogIn) async throws -> LogInOutcome {
        // A slug or email that breaks the rules names no account: the same failure as an
        // unknown one, without asking the database (which refuses a NUL byte, say).
        let wellFormed = (try? TenantSlug(request.tenantSlug)) != nil
            && (try? UserFields.email(request.email).get()) != nil
        let tenant = wellFormed ? try await platform.platform("resolve tenant for login") { tx in
            try await TenantRows.find(slug: request.tenantSlug, in: tx)
        } : nil
        guard let tenant, tenant.status == .active else {
            _ = try await hasher.verify(request.password, against: try await dummyHash.value(hasher))
            try await platform.platform("audit login for unknown tenant") { tx in
                try await tx.audit(.sessionLoginFailed, staff: nil,
                                   target: wellFormed ? "tenant-slug/\(request.tenantSlug)" : nil, requestID: request.requestID,
                                   after: ["reason": .string(wellFormed ? "unknown_tenant" : "malformed"),
                                           "source": .string(request.source)])
            }
            throw Self.invalid
        }

        let credentials = try await db.tenant(tenant.id) { tx -> Credentials? in
            guard let (user, hash) = try await UserRows.credentials(email: request.email, in: tx) else { return nil }
            return Credentials(user: user, hash: hash,
                               blocked: try await LoginFailureRows.isBlocked(user.id, source: request.source, in: tx))
        }
        let stored = if let credentials { credentials.hash } else { try await dummyHash.value(hasher) }
        let verified = try await hasher.verify(request.password, against: stored)

        if let failure = Failure.of(credentials, verified: verified) {
            try await db.tenant(tenant.id) { tx in
                if let credentials, failure.backsOff {
                    try await LoginFailureRows.recordFailure(credentials.user.id, source: request.source, in: tx)
                }
                try await tx.audit(.sessionLoginFailed, actor: nil, target: credentials.map { "user/\($0.user.id)" },
                                   requestID: request.requestID,
                                   after: ["reason": .string(failure.rawValue), "source": .string(request.source)])
            }
            throw Self.invalid
        }
        // `Failure.of` answers `.unknownEmail` when there are no credentials.
        guard let credentials else { throw Self.invalid }
        let user = credentials.user

        // Parameters changed since this hash was made: store a fresh one while we have the password.
        let rehashed = hasher.needsRehash(credentials.hash) ? try await hasher.hash(request.password) : nil
        return try await db.tenant(tenant.id) { tx in
            if let rehashed { try await UserRows.setPasswordHash(user.id, rehashed, in: tx) }
            try await LoginFailureRows.clear(user.id, source: request.source, in: tx)
            guard user.mfaEnabled else {
                return .session(try await StartSessionStep(sessions: sessions)(
                    user, tenant: tenant, source: request.source, userAgent: request.userAgent,
                    requestID: request.requestID, in: tx))
            }
            // The password was right; the session waits for a code (CompleteMFAChallengeUseCase).
            let (token, hash) = SecretToken.make(.mfaChallenge)
            let expiresAt = tx.now.addingTimeInterval(Self.challengeLifetime)
            try await UserTokenRows.insert(userID: user.id, purpose: .mfaChallenge, hash: hash, expiresAt: expiresAt,
                                           source: request.source, userAgent: request.userAgent, in: tx)
            try await tx.audit(.sessionMFAChallenged, actor: user.id, target: "user/\(user.id)",
                               requestID: request.requestID, after: ["source": .string(request.source)])
            return .mfaRequired(MFAChallenge(token: token, expiresAt: expiresAt))
        }
    }

    /// How long the step between password and code may take.
    static let challengeLifetime: TimeInterval = 300

    static let invalid = AppError(.invalidCredentials, "The tenant, email or password is not right.")

    /// What a login found: the user, their hash, and whether this source is backing off.
    struct Credentials {
        let user: User
        let hash: String
        let blocked: Bool
    }

    /// Why a login failed, as the audit entry says (the caller only ever hears "invalid").
    enum Failure: String {
        case unknownEmail = "unknown_email", backingOff = "backing_off", deactivated, locked, wrongPassword = "wrong_password"

        /// `nil` when the login succeeds.
        static func of(_ credentials: Credentials?, verified: Bool) -> Failure? {
            guard let credentials else { return .unknownEmail }
            if credentials.blocked { return .backingOff }
            if credentials.user.status != .active { return .deactivated }
            if credentials.user.lockedAt != nil { return .locked }
            return verified ? nil : .wrongPassword
        }

        /// Guessing failures count towards this source's back-off; a deactivated account does not.
        var backsOff: Bool { self == .wrongPassword || self == .backingOff }
    }
}
