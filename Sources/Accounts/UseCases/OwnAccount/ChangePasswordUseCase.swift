import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// A new password for the signed-in person, after their current one; every other session ends.
struct ChangePasswordUseCase {
    let db: Database
    let hasher: PasswordHasher
    let policy: PasswordPolicy

    func callAsFunction(_ principal: Principal, current: String, new: String) async throws {
        let sessionID = try principal.requireSession()
        if let error = policy.check(new, field: "new_password") { throw AppError.validation([error]) }
        try await VerifyPasswordStep(db: db, hasher: hasher)(principal, current, field: "current_password")
        let hash = try await hasher.hash(new)
        try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            try await UserRows.setPasswordHash(user.id, hash, in: tx)
            // Whoever else holds a session (perhaps the reason for the change) is signed out.
            try await SessionRows.deleteAll(of: user.id, except: sessionID, in: tx)
            try await UserTokenRows.retire(userID: user.id, purpose: .resetPassword, in: tx)
            try await tx.publish(PasswordChanged(tenantID: tenant.id, tenantName: tenant.name, userID: user.id,
                                                 name: user.name, email: user.email, changedAt: tx.now, wasReset: false))
            try await tx.audit(.userPasswordChanged, by: principal, target: "user/\(user.id)")
        }
    }
}
