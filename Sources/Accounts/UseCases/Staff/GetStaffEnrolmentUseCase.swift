import AccountsAPI
import Foundation
import Kernel
import Storage

/// The TOTP secret a first-time member enrols during setup, while their setup step is open.
struct GetStaffEnrolmentUseCase {
    let platform: PlatformDatabase
    let policy: StaffSessionPolicy

    func callAsFunction(token: String) async throws -> TOTPEnrolment {
        guard SecretToken.isWellFormed(token, .staffSession),
              let (found, now) = try await platform.platform("staff enrolment", { tx in
                  try await StaffSessionRows.find(tokenHash: SecretToken.hash(token), in: tx).map { ($0, tx.now) }
              }), found.stage == .setup, let secret = found.pendingSecret else { throw AdvanceStaffSignInStep.stepEnded }
        return TOTPEnrolment(secret: Base32.encode(secret),
                             uri: TOTP(secret: secret).uri(issuer: "Keel staff", account: found.member.email),
                             expiresAt: now.addingTimeInterval(policy.signInStepTimeout.timeInterval - found.idleFor))
    }
}
