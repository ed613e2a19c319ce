import AccountsAPI
import Foundation
import Kernel
import Storage

/// Replaces any earlier reset token of `user` with a new one and queues the email. Run inside
/// the caller's transaction: the person's own request, or support sending one on their behalf.
struct IssuePasswordResetStep {
    /// A reset link is good for this long.
    static let lifetime: TimeInterval = 30 * 60

    func callAsFunction(to user: User, of tenant: Tenant, source: String, in tx: TenantTransaction) async throws {
        try await UserTokenRows.retire(userID: user.id, purpose: .resetPassword, in: tx)
        let (token, hash) = SecretToken.make(.resetPassword)
        let expiresAt = tx.now.addingTimeInterval(Self.lifetime)
        try await UserTokenRows.insert(userID: user.id, purpose: .resetPassword, hash: hash, expiresAt: expiresAt,
                                       source: source, in: tx)
        try await tx.publish(PasswordResetRequested(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                    name: user.name, email: user.email, token: try tx.sealEmailed(token, to: user.email),
                                                    expiresAt: expiresAt))
    }
}
