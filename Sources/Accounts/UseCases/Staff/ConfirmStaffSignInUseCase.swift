import AccountsAPI
import Kernel
import Storage

/// Console sign-in, second step: a TOTP code, each usable once, or a recovery code.
struct ConfirmStaffSignInUseCase {
    let platform: PlatformDatabase
    let policy: StaffSessionPolicy

    func callAsFunction(token: String, code: String, requestID: String) async throws -> StaffSignIn {
        try await AdvanceStaffSignInStep(platform: platform, policy: policy)(token, expecting: .mfa, requestID: requestID) { found, tx in
            try await StaffRows.useTOTPCode(found.member.id, code, in: tx) ? .staffSignedIn : nil
        }
    }

    /// With a recovery code instead of a TOTP code: each works once.
    func callAsFunction(token: String, recoveryCode: String, requestID: String) async throws -> StaffSignIn {
        try await AdvanceStaffSignInStep(platform: platform, policy: policy)(token, expecting: .mfa, requestID: requestID) { found, tx in
            guard try await StaffRows.useRecoveryCode(found.member.id, recoveryCode, in: tx) else { return nil }
            return .staffSignedInWithRecoveryCode
        }
    }
}
