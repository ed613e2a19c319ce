import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// What a signed-in person does to their own account: change their password or address, and
/// prove their address with the emailed token.
struct OwnAccountUseCase {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: PasswordPolicy

    /// Verification links are good for this long.
    static let verificationLifetime: TimeInterval = 48 * 3600

    func changePassword(_ principal: Principal, current: String, new: String) async throws {
        let sessionID = try principal.requireSession()
        if let error = policy.check(new, field: "new_password") { throw AppError.validation([error]) }
        try await checkPassword(principal, current, field: "current_password")
        let hash = try await hasher.hash(new)
        try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            try await UserRows.setPasswordHash(user.id, hash, in: tx)
            // Whoever else holds a session (perhaps the reason for the change) is signed out.
            try await SessionRows.deleteAll(of: user.id, except: sessionID, in: tx)
            try await UserTokenRows.retire(userID: user.id, purpose: .resetPassword, in: tx)
            try await tx.publish(PasswordChanged(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                 name: user.name, email: user.email, changedAt: Date(), wasReset: false))
            try await tx.audit("user.password_changed", by: principal, target: "user/\(user.id)")
        }
    }

    func requestEmailChange(_ principal: Principal, email: String, password: String) async throws -> PendingEmailChange {
        try principal.requireSession()
        let email = try UserFields.valid(UserFields.email(email))
        try await checkPassword(principal, password, field: "password")
        return try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            if try await UserRows.emailTaken(email, except: user.id, in: tx) {
                throw AppError(.emailTaken, "Another user of this organisation has that address.")
            }
            let expiresAt = try await Self.sendVerification(to: user, email: email, tenant: tenant, reason: .emailChange, in: tx)
            try await tx.audit("user.email_change_requested", by: principal, target: "user/\(user.id)",
                               before: AuditJSON.encode(["email": user.email]), after: AuditJSON.encode(["email": email]))
            return PendingEmailChange(email: email, expiresAt: expiresAt)
        }
    }

    func resendVerification(_ principal: Principal) async throws {
        try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            guard !user.emailVerified else { throw AppError(.alreadyVerified, "Your address is already verified.") }
            _ = try await Self.sendVerification(to: user, email: user.email, tenant: tenant, reason: .resend, in: tx)
            try await tx.audit("user.verification_resent", by: principal, target: "user/\(user.id)")
        }
    }

    /// A new verification token (the user's older ones stop working) and the event that emails it.
    static func sendVerification(to user: User, email: String, tenant: Tenant, reason: EmailVerificationRequested.Reason,
                          in tx: TenantTransaction) async throws -> Date {
        try await UserTokenRows.retire(userID: user.id, purpose: .verifyEmail, in: tx)
        let (token, hash) = SecretToken.make(.verifyEmail)
        let expiresAt = Date().addingTimeInterval(Self.verificationLifetime)
        try await UserTokenRows.insert(userID: user.id, purpose: .verifyEmail, hash: hash, expiresAt: expiresAt,
                                       email: email, in: tx)
        try await tx.publish(EmailVerificationRequested(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                        name: user.name, email: email, token: token,
                                                        expiresAt: expiresAt, reason: reason))
        return expiresAt
    }

    func confirmEmail(token: String, requestID: String) async throws -> (email: String, verifiedAt: Date) {
        guard SecretToken.isWellFormed(token, .verifyEmail) else { throw AccountErrors.invalidToken }
        let hash = SecretToken.hash(token)
        guard let located = try await platform.platform("locate verification token", { tx in
            try await UserTokenRows.locate(hash: hash, purpose: .verifyEmail, in: tx)
        }) else { throw AccountErrors.invalidToken }
        return try await db.tenant(located.tenantID) { tx in
            guard let claim = try await UserTokenRows.claim(located.tokenID, in: tx), claim.live,
                  let user = try await UserRows.find(claim.userID, in: tx) else { throw AccountErrors.invalidToken }
            let email = claim.email ?? user.email
            if try await UserRows.emailTaken(email, except: user.id, in: tx) {
                throw AppError(.emailTaken, "Another user of this organisation has that address now.")
            }
            guard let verified = try await UserRows.verifyEmail(user.id, email: email, in: tx) else { throw AccountErrors.invalidToken }
            try await UserTokenRows.markUsed(claim.tokenID, in: tx)
            try await tx.audit("user.email_verified", actor: user.id, target: "user/\(user.id)", requestID: requestID,
                               before: UserRows.auditJSON(user), after: UserRows.auditJSON(verified))
            return (verified.email, verified.emailVerifiedAt ?? Date())
        }
    }

    /// Checks the signed-in person's password before a sensitive change; a wrong one is a
    /// validation error on `field` (the session is theirs: no need to hide which part failed).
    private func checkPassword(_ principal: Principal, _ password: String, field: String) async throws {
        guard let stored = try await db.tenant(principal.tenantID, { tx in
            try await UserRows.passwordHash(principal.userID, in: tx)
        }) else { throw AccountErrors.gone }
        guard try await hasher.verify(password, against: stored) else {
            throw AppError.validation([FieldError(field: field, code: "incorrect_password", message: "The password is not right.")])
        }
    }
}
