import AccountsAPI
import Kernel
import Storage

/// Replaces every recovery code (the old ones stop working) after a fresh TOTP code.
struct RegenerateRecoveryCodesUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, code: String) async throws -> [String] {
        try principal.requireSession()
        return try await db.tenant(principal.tenantID) { tx in
            _ = try await UseTOTPCodeStep()(principal, code, in: tx)
            let codes = RecoveryCode.make()
            try await MFARows.replaceRecoveryCodes(principal.userID, codes, in: tx)
            try await tx.audit(.mfaRecoveryCodesReplaced, by: principal, target: "user/\(principal.userID)")
            return codes
        }
    }
}
