import AccountsAPI
import Kernel
import Storage

/// Turns MFA on: a code from the pending secret proves the app has it; returns the recovery
/// codes, shown once.
struct ConfirmTOTPEnrolmentUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, code: String) async throws -> [String] {
        try principal.requireSession()
        return try await db.tenant(principal.tenantID) { tx in
            guard let state = try await MFARows.lock(principal.userID, in: tx) else { throw AccountErrors.gone }
            guard state.secret == nil else { throw AppError(.mfaAlreadyEnabled, "MFA is already on.") }
            guard let pending = state.pendingSecret, state.pendingLive else {
                throw AppError(.mfaNotEnabled, "There is no enrolment in progress (or it expired); start again.")
            }
            guard let step = TOTP(secret: pending).verify(code, at: tx.now, after: nil) else { throw UseTOTPCodeStep.wrongCode }
            try await MFARows.enable(principal.userID, step: step, in: tx)
            let codes = RecoveryCode.make()
            try await MFARows.replaceRecoveryCodes(principal.userID, codes, in: tx)
            try await tx.audit(.mfaEnabled, by: principal, target: "user/\(principal.userID)")
            return codes
        }
    }
}
