import AccountsAPI
import Foundation
import Kernel
import Storage

/// A new verification token for `email` (the user's older ones stop working) and the event that
/// emails it; returns when it expires. Run inside the caller's transaction: sign-up, an address
/// change, a resend by the person or by staff.
struct IssueEmailVerificationStep {
    /// Verification links are good for this long.
    static let lifetime: TimeInterval = 48 * 3600

    func callAsFunction(to user: User, email: String, tenant: Tenant, reason: EmailVerificationRequested.Reason,
                        in tx: TenantTransaction) async throws -> Date {
        try await UserTokenRows.retire(userID: user.id, purpose: .verifyEmail, in: tx)
        let (token, hash) = SecretToken.make(.verifyEmail)
        let expiresAt = tx.now.addingTimeInterval(Self.lifetime)
        try await UserTokenRows.insert(userID: user.id, purpose: .verifyEmail, hash: hash, expiresAt: expiresAt,
                                       email: email, in: tx)
        try await tx.publish(EmailVerificationRequested(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                        name: user.name, email: email, token: try tx.sealEmailed(token, to: email),
                                                        expiresAt: expiresAt, reason: reason))
        return expiresAt
    }
}
