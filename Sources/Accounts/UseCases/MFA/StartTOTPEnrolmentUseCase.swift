import AccountsAPI
import Foundation
import Kernel
import Storage

/// The first step of turning on MFA: a new secret, pending until a code from it confirms it.
struct StartTOTPEnrolmentUseCase {
    let db: Database

    /// An unconfirmed secret is good for this long.
    static let enrolmentLifetime: TimeInterval = 600

    func callAsFunction(_ principal: Principal) async throws -> TOTPEnrolment {
        try principal.requireSession()
        return try await db.tenant(principal.tenantID) { tx in
            guard let state = try await MFARows.lock(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            guard state.secret == nil else { throw AppError(.mfaAlreadyEnabled, "MFA is already on; turn it off first to enrol again.") }
            let secret = TOTP.newSecret()
            let expiresAt = tx.now.addingTimeInterval(Self.enrolmentLifetime)
            try await MFARows.setPending(principal.userID, secret: secret, until: expiresAt, in: tx)
            try await tx.audit(.mfaEnrolmentStarted, by: principal, target: "user/\(principal.userID)")
            let totp = TOTP(secret: secret)
            return TOTPEnrolment(secret: Base32.encode(secret),
                                 uri: totp.uri(issuer: "Keel \(tenant.slug)", account: state.email), expiresAt: expiresAt)
        }
    }
}
