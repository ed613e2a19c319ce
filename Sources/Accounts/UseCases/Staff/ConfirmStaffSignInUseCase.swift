import AccountsAPI
import Kernel
import Storage

/// Console sign-in, second step: a TOTP code, each usable once, or a recovery code.
struct ConfirmStaffSignInUseCase {
    let platform: PlatformDatabase
    let policy: StaffSessionPolicy

    func callAsFunction(token: String, code: String, requestID: String) async throws -> StaffSignIn {
        try await AdvanceStaffSignInStep(platform: platform, policy: policy)(token, expecting: .mfa, requestID: requestID) { found, tx in
            guard let mfa = try await StaffRows.lockMFA(found.member.id, in: tx), let secret = mfa.secret,
                  let step = TOTP(secret: secret).verify(code, at: tx.now, after: mfa.lastStep) else { return nil }
            try await StaffRows.useStep(found.member.id, step, in: tx)
            return .staffSignedIn
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
