import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// The emailed reset token and a new password: the token is used up, every session ends, and
/// the login back-off is cleared.
struct ConfirmPasswordResetUseCase {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: PasswordPolicy

    func callAsFunction(token: String, password: String, requestID: String) async throws {
        guard SecretToken.isWellFormed(token, .resetPassword) else { throw AccountErrors.invalidToken }
        if let error = policy.check(password, field: "password") { throw AppError.validation([error]) }
        let tokenHash = SecretToken.hash(token)
        guard let located = try await platform.platform("locate reset token", { tx in
            try await UserTokenRows.locate(hash: tokenHash, purpose: .resetPassword, in: tx)
        }) else { throw AccountErrors.invalidToken }
        // Hash only for a token that is still good (hashing is the expensive part), then check
        // again under the row lock: of two uses at once, one wins.
        let live = try await db.tenant(located.tenantID) { tx in
            try await UserTokenRows.claim(located.tokenID, in: tx)?.live ?? false
        }
        guard live else { throw AccountErrors.invalidToken }
        let passwordHash = try await hasher.hash(password)
        try await db.tenant(located.tenantID) { tx in
            guard let claim = try await UserTokenRows.claim(located.tokenID, in: tx), claim.live,
                  let user = try await UserRows.find(claim.userID, in: tx), user.status == .active,
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.invalidToken }
            try await UserRows.setPasswordHash(user.id, passwordHash, in: tx)
            try await UserTokenRows.markUsed(claim.tokenID, in: tx)
            try await UserTokenRows.retire(userID: user.id, purpose: .resetPassword, in: tx)
            // A pending email change (perhaps the intruder's, which the old address was told
            // of) is cancelled with everything else the old password allowed.
            try await UserTokenRows.retire(userID: user.id, purpose: .verifyEmail, in: tx)
            try await SessionRows.deleteAll(of: user.id, in: tx)
            try await LoginFailureRows.clearAll(user.id, in: tx)
            try await tx.publish(PasswordChanged(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                 name: user.name, email: user.email, changedAt: tx.now, wasReset: true))
            try await tx.audit(.userPasswordReset, actor: user.id, target: "user/\(user.id)", requestID: requestID)
        }
    }
}
