import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// Console sign-in, first step: the password. A member who has never signed in goes on to
/// choose a password and enrol TOTP (`CompleteStaffSetupUseCase`); everyone else to a TOTP code
/// (`ConfirmStaffSignInUseCase`), which is mandatory.
struct StaffSignInUseCase {
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: StaffSessionPolicy
    let dummyHash: DummyHash

    static let invalid = AppError(.invalidCredentials, "The email or password is not right.")

    func callAsFunction(email: String, password: String, source: String, userAgent: String?,
                        requestID: String) async throws -> StaffSignIn {
        let wellFormed = (try? UserFields.email(email).get()) != nil
        let found = wellFormed ? try await platform.platform("staff sign-in") { tx -> (member: StaffMember, hash: String, blocked: Bool)? in
            guard let (member, hash) = try await StaffRows.credentials(email: email, in: tx) else { return nil }
            return (member: member, hash: hash, blocked: try await StaffLoginFailureRows.isBlocked(member.id, source: source, in: tx))
        } : nil
        // One Argon2 verification on every path, so timing does not say whether the address is
        // staff, nor whether this address is backing off.
        let storedHash = if let found { found.hash } else { try await dummyHash.value(hasher) }
        let verified = try await hasher.verify(password, against: storedHash)
        guard let found, verified, !found.blocked, found.member.status == .active else {
            try await platform.platform("audit staff sign-in") { tx in
                // A wrong password counts towards the back-off; so does one tried while backing off.
                if let found, !verified || found.blocked {
                    try await StaffLoginFailureRows.recordFailure(found.member.id, source: source, in: tx)
                }
                try await tx.audit(.staffLoginFailed, staff: found?.member.id, target: found.map { "staff/\($0.member.id)" },
                                   requestID: requestID,
                                   after: ["source": .string(source), "backing_off": .bool(found?.blocked == true && verified)])
            }
            throw Self.invalid
        }
        let member = found.member
        let stage: StaffSession.Stage = member.mustChangePassword || !member.mfaEnabled ? .setup : .mfa
        let (token, hash) = SecretToken.make(.staffSession)
        try await platform.platform("staff sign-in") { tx in
            try await StaffLoginFailureRows.clear(member.id, source: source, in: tx)
            try await StaffSessionRows.insert(staffID: member.id, tokenHash: hash, stage: stage,
                                              pendingSecret: stage == .setup ? TOTP.newSecret() : nil,
                                              expiresAt: tx.now.addingTimeInterval(policy.signInStepTimeout.timeInterval),
                                              source: source, userAgent: userAgent, in: tx)
            try await tx.audit(.staffPasswordAccepted, staff: member.id, target: "staff/\(member.id)", requestID: requestID,
                               after: ["source": .string(source), "next": .string(stage.rawValue)])
        }
        return StaffSignIn(token: token, stage: stage)
    }
}
