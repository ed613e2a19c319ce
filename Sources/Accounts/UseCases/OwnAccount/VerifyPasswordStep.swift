import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// Checks the signed-in person's password before a sensitive change; a wrong one is a
/// validation error on `field` (the session is theirs: no need to hide which part failed).
/// Runs outside any transaction: Argon2 is the slow part and holds no lock.
struct VerifyPasswordStep {
    let db: Database
    let hasher: PasswordHasher

    func callAsFunction(_ principal: Principal, _ password: String, field: String) async throws {
        guard let stored = try await db.tenant(principal.tenantID, { tx in
            try await UserRows.passwordHash(principal.userID, in: tx)
        }) else { throw AccountErrors.gone }
        guard try await hasher.verify(password, against: stored) else {
            throw AppError.validation([FieldError(field: field, code: "incorrect_password", message: "The password is not right.")])
        }
    }
}
