import AccountsAPI
import Foundation
import Kernel
import Storage

/// The link in a staff invitation: once, within 48 hours, it opens a first sign-in at the
/// `setup` stage (a new password and TOTP, as after a one-time password).
struct AcceptStaffInvitationUseCase {
    let platform: PlatformDatabase
    let policy: StaffSessionPolicy

    static let invalid = AppError(.invalidToken, "This invitation link is not valid: it was used already, has expired or was mistyped. Ask an admin for a new one.")

    func callAsFunction(token: String, source: String, userAgent: String?, requestID: String) async throws -> StaffSignIn {
        guard SecretToken.isWellFormed(token, .staffInvitation) else { throw Self.invalid }
        let (sessionToken, sessionHash) = SecretToken.make(.staffSession)
        return try await platform.platform("accept staff invitation") { tx in
            guard let member = try await StaffRows.takeInvitation(tokenHash: SecretToken.hash(token), in: tx) else { throw Self.invalid }
            try await StaffSessionRows.insert(staffID: member.id, tokenHash: sessionHash, stage: .setup, pendingSecret: TOTP.newSecret(),
                                              expiresAt: tx.now.addingTimeInterval(policy.signInStepTimeout.timeInterval),
                                              source: source, userAgent: userAgent, in: tx)
            try await tx.audit(.staffInvitationAccepted, staff: member.id, target: "staff/\(member.id)", requestID: requestID,
                               after: ["source": .string(source)])
            return StaffSignIn(token: sessionToken, stage: .setup)
        }
    }
}
