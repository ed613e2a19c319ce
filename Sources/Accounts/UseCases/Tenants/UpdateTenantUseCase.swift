import AccountsAPI
import Kernel
import Storage

/// The tenant's own settings: its name and whether every user must use MFA.
struct UpdateTenantUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, expectedVersion: Int?, change: TenantChange) async throws -> Tenant {
        try principal.require(.tenantManage)
        var name: TenantName?
        if let raw = change.name {
            do { name = try TenantName(raw) } catch let error as AppError {
                throw AppError.validation([FieldError(field: "name", code: "invalid_name", message: error.detail)])
            }
        }
        return try await db.tenant(principal.tenantID) { tx in
            guard let current = try await TenantRows.find(tx.tenantID, in: tx, lock: true) else { throw AccountErrors.gone }
            if let expectedVersion, expectedVersion != current.version {
                throw AppError.versionMismatch(current: current.version)
            }
            let requireMFA = change.requireMFA ?? current.requireMFA
            if requireMFA && !current.requireMFA {
                // Whoever turns it on must already use it: the setting is proven workable.
                guard let user = try await UserRows.find(principal.userID, in: tx), user.mfaEnabled else {
                    throw AppError(.mfaNotEnabled, "Turn on MFA for your own account before requiring it for everyone.")
                }
            }
            let newName = name?.value ?? current.name
            if newName == current.name && requireMFA == current.requireMFA { return current }
            guard let updated = try await TenantRows.update(tx.tenantID, expectedVersion: current.version, name: newName,
                                                            requireMFA: requireMFA, in: tx) else {
                throw AppError.versionMismatch(current: current.version)
            }
            try await tx.audit(.tenantUpdated, by: principal, target: "tenant/\(tx.tenantID)",
                               before: current.auditSnapshot, after: updated.auditSnapshot)
            return updated
        }
    }

}
