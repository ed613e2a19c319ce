import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// A new address for the signed-in person: it takes effect when the link emailed to it is used.
struct RequestEmailChangeUseCase {
    let db: Database
    let hasher: PasswordHasher

    func callAsFunction(_ principal: Principal, email: String, password: String) async throws -> PendingEmailChange {
        try principal.requireSession()
        let email = try UserFields.valid(UserFields.email(email))
        try await VerifyPasswordStep(db: db, hasher: hasher)(principal, password, field: "password")
        return try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            if try await UserRows.emailTaken(email, except: user.id, in: tx) {
                throw AppError(.emailTaken, "Another user of this organisation has that address.")
            }
            let expiresAt = try await IssueEmailVerificationStep()(to: user, email: email, tenant: tenant, reason: .emailChange,
                                                                   in: tx)
            try await tx.audit(.userEmailChangeRequested, by: principal, target: "user/\(user.id)",
                               before: ["email": .string(user.email)], after: ["email": .string(email)])
            // The address in use is told, while the change can still be stopped.
            try await tx.publish(EmailChangeRequested(tenantID: tenant.id, tenantName: tenant.name, userID: user.id, name: user.name,
                                                      currentEmail: user.email, newEmail: email, requestedAt: tx.now))
            return PendingEmailChange(email: email, expiresAt: expiresAt)
        }
    }
}
