import AccountsAPI
import Kernel
import Storage

/// Support sends a user a new verification link for their unverified address.
struct ResendUserVerificationUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try principal.require(.accountSupport)
        try await db.tenant(tenantID) { tx in
            let (user, tenant) = try await SupportLookupStep().userAndTenant(userID, in: tx)
            guard !user.emailVerified else { throw AppError(.alreadyVerified, "This user's address is verified already.") }
            _ = try await IssueEmailVerificationStep()(to: user, email: user.email, tenant: tenant, reason: .resend, in: tx)
            try await tx.audit(.userVerificationResent, by: principal, target: "user/\(userID)", reason: nil)
        }
    }
}
