import AccountsAPI
import Kernel
import Storage

/// A fresh TOTP code from the signed-in person's app, checked under their row's lock and used
/// up, so a code works once even when two requests present it at the same moment. Run inside
/// the caller's transaction (`DisableMFAUseCase`, `RegenerateRecoveryCodesUseCase`).
struct UseTOTPCodeStep {
    static let wrongCode = AppError.validation([FieldError(field: "code", code: "incorrect_code",
                                                           message: "The code is not right; use the current code from your app.")])

    func callAsFunction(_ principal: Principal, _ code: String, in tx: TenantTransaction) async throws -> Int64 {
        guard let state = try await MFARows.lock(principal.userID, in: tx) else { throw AccountErrors.gone }
        guard let secret = state.secret else { throw AppError(.mfaNotEnabled, "MFA is not on.") }
        guard let step = TOTP(secret: secret).verify(code, at: tx.now, after: state.lastStep) else { throw Self.wrongCode }
        try await MFARows.useStep(principal.userID, step, in: tx)
        return step
    }
}
