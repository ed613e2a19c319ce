import AccountsAPI
import Kernel
import Storage

/// New recovery codes for the signed-in member, after a fresh TOTP code (a stolen session alone
/// cannot make codes); the old ones stop working.
struct RegenerateStaffRecoveryCodesUseCase {
    let platform: PlatformDatabase

    static let invalidCode = AppError(.invalidMFACode, "That code is not right, or was used already. Wait for the next code and try again.")

    func callAsFunction(_ principal: StaffPrincipal, code: String) async throws -> [String] {
        try await platform.platform("staff recovery codes") { tx in
            guard try await StaffRows.useTOTPCode(principal.staffID, code, in: tx) else { throw Self.invalidCode }
            let codes = RecoveryCode.make()
            try await StaffRows.replaceRecoveryCodes(principal.staffID, codes, in: tx)
            try await tx.audit(.staffRecoveryCodesReplaced, staff: principal.staffID, target: "staff/\(principal.staffID)",
                               requestID: principal.requestID)
            return codes
        }
    }
}
