import AccountsAPI
import Foundation
import Kernel
import Storage

/// The last step of every sign-in (a password alone, or a password and an MFA code): a new
/// session row, its audit entry and, when the person has no MFA, the security notice. Run
/// inside the caller's transaction (`LogInUseCase`, `CompleteMFAChallengeUseCase`).
struct StartSessionStep {
    let sessions: SessionPolicy

    func callAsFunction(_ user: User, tenant: Tenant, source: String, userAgent: String?, requestID: String,
                        in tx: TenantTransaction) async throws -> NewSession {
        let (token, hash) = SecretToken.make(.session)
        let sessionID = SessionID.generate()
        let now = tx.now
        let expiresAt = now.addingTimeInterval(TimeInterval(sessions.absoluteTimeout.components.seconds))
        try await SessionRows.insert(id: sessionID, userID: user.id, tokenHash: hash, expiresAt: expiresAt,
                                     userAgent: userAgent.map { String($0.prefix(512)) }, ipAddress: source, in: tx)
        try await tx.audit(.sessionLoggedIn, actor: user.id, target: "session/\(sessionID)", requestID: requestID,
                           after: ["source": .string(source), "mfa": .bool(user.mfaEnabled)])
        if !user.mfaEnabled {
            try await tx.publish(SignedInWithoutMFA(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                    name: user.name, email: user.email, signedInAt: now,
                                                    ipAddress: source, userAgent: userAgent))
        }
        return NewSession(token: token, expiresAt: expiresAt, idleTimeout: sessions.idleTimeout, user: user)
    }
}
