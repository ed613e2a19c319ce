import AccountsAPI
import Kernel
import Storage

/// Console sign-in, second step: a TOTP code, each usable once.
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
}
