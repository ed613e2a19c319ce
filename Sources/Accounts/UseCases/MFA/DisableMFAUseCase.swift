import AccountsAPI
import Kernel
import Storage

/// Turns MFA off with a fresh code, unless the tenant requires it.
struct DisableMFAUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, code: String) async throws {
        try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            guard let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            if tenant.requireMFA {
                throw AppError(.mfaRequiredByTenant, "Your organisation requires MFA; it cannot be turned off.")
            }
            _ = try await UseTOTPCodeStep()(principal, code, in: tx)
            try await MFARows.disable(principal.userID, in: tx)
            try await tx.audit(.mfaDisabled, by: principal, target: "user/\(principal.userID)")
        }
    }
}
