import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// "Forgot password": a single-use emailed token, then a new password that ends every session.
///
/// The request answers the same whether or not the account exists, and does no expensive work
/// either way (no hashing), so neither answer nor timing says much; it is rate-limited per
/// address at the edge.
struct PasswordResetUseCase {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: PasswordPolicy

    static let lifetime: TimeInterval = 30 * 60

    func request(tenantSlug: String, email: String, source: String, requestID: String) async throws {
        // A malformed address or slug is refused as such: its shape says nothing about accounts.
        _ = try UserFields.valid(UserFields.email(email, field: "email"))
        do { _ = try TenantSlug(tenantSlug) } catch let error as AppError {
            throw AppError.validation([FieldError(field: "tenant_slug", code: "invalid_slug", message: error.detail)])
        }
        guard let tenant = try await platform.platform("resolve tenant for password reset", { tx in
                  try await TenantRows.find(slug: tenantSlug, in: tx)
              }), tenant.status == .active else { return }
        try await db.tenant(tenant.id) { tx in
            guard let (user, _) = try await UserRows.credentials(email: email, in: tx), user.status == .active else { return }
            try await Self.issue(to: user, of: tenant, source: source, in: tx)
            try await tx.audit("user.password_reset_requested", actor: nil, target: "user/\(user.id)",
                               requestID: requestID, after: AuditJSON.encode(["source": source]))
        }
    }

    /// Replaces any earlier reset token of `user` with a new one and queues the email (the
    /// support console sends one on a user's behalf through here too).
    static func issue(to user: User, of tenant: Tenant, source: String, in tx: TenantTransaction) async throws {
        try await UserTokenRows.retire(userID: user.id, purpose: .resetPassword, in: tx)
        let (token, hash) = SecretToken.make(.resetPassword)
        let expiresAt = Date().addingTimeInterval(lifetime)
        try await UserTokenRows.insert(userID: user.id, purpose: .resetPassword, hash: hash, expiresAt: expiresAt,
                                       source: source, in: tx)
        try await tx.publish(PasswordResetRequested(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                    name: user.name, email: user.email, token: token,
                                                    expiresAt: expiresAt))
    }

    func confirm(token: String, password: String, requestID: String) async throws {
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
            try await SessionRows.deleteAll(of: user.id, in: tx)
            try await LoginFailureRows.clearAll(user.id, in: tx)
            try await tx.publish(PasswordChanged(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                 name: user.name, email: user.email, changedAt: Date(), wasReset: true))
            try await tx.audit("user.password_reset", actor: user.id, target: "user/\(user.id)", requestID: requestID)
        }
    }
}
