import AccountsAPI
import Kernel
import Storage

/// Support emails an active user a password reset link on their behalf.
struct SendPasswordResetUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try principal.require(.accountSupport)
        try await db.tenant(tenantID) { tx in
            let (user, tenant) = try await SupportLookupStep().userAndTenant(userID, in: tx)
            guard user.status == .active else {
                throw AppError(.conflict, "This user is deactivated; their tenant must reactivate them first.")
            }
            try await IssuePasswordResetStep()(to: user, of: tenant, source: "staff", in: tx)
            try await tx.audit(.userPasswordResetSent, by: principal, target: "user/\(userID)", reason: nil)
        }
    }
}
