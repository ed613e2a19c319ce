import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// A first-time member's setup: their own password and a confirmed TOTP enrolment, then an
/// active session.
struct CompleteStaffSetupUseCase {
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: StaffSessionPolicy
    let passwords: PasswordPolicy

    func callAsFunction(token: String, newPassword: String, code: String, requestID: String) async throws -> StaffSignIn {
        if let error = passwords.check(newPassword, field: "new_password") { throw AppError.validation([error]) }
        // Hash before the transaction: Argon2 is the slow part, and holds no lock.
        let passwordHash = try await hasher.hash(newPassword)
        return try await AdvanceStaffSignInStep(platform: platform, policy: policy)(token, expecting: .setup,
                                                                                   requestID: requestID) { found, tx in
            guard let secret = found.pendingSecret,
                  let step = TOTP(secret: secret).verify(code, at: tx.now, after: nil) else { return nil }
            try await StaffRows.completeSetup(found.member.id, passwordHash: passwordHash, secret: secret, step: step, in: tx)
            return .staffSetupCompleted
        }
    }
}
