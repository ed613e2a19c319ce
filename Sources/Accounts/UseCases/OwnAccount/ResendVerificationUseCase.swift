import AccountsAPI
import Kernel
import Storage

/// A new verification link for the signed-in person's unverified address.
struct ResendVerificationUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws {
        try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            guard !user.emailVerified else { throw AppError(.alreadyVerified, "Your address is already verified.") }
            _ = try await IssueEmailVerificationStep()(to: user, email: user.email, tenant: tenant, reason: .resend, in: tx)
            try await tx.audit(.userVerificationResent, by: principal, target: "user/\(user.id)")
        }
    }
}
