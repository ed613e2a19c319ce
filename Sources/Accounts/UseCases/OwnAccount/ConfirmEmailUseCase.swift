import AccountsAPI
import Foundation
import Kernel
import Storage

/// The emailed verification token, used once: the address it was sent to is proven (and, for
/// an address change, becomes the person's address).
struct ConfirmEmailUseCase {
    let db: Database
    let platform: PlatformDatabase

    func callAsFunction(token: String, requestID: String) async throws -> (email: String, verifiedAt: Date) {
        guard SecretToken.isWellFormed(token, .verifyEmail) else { throw AccountErrors.invalidToken }
        let hash = SecretToken.hash(token)
        guard let located = try await platform.platform("locate verification token", { tx in
            try await UserTokenRows.locate(hash: hash, purpose: .verifyEmail, in: tx)
        }) else { throw AccountErrors.invalidToken }
        return try await db.tenant(located.tenantID) { tx in
            guard let claim = try await UserTokenRows.claim(located.tokenID, in: tx), claim.live,
                  let user = try await UserRows.find(claim.userID, in: tx) else { throw AccountErrors.invalidToken }
            let email = claim.email ?? user.email
            if try await UserRows.emailTaken(email, except: user.id, in: tx) {
                throw AppError(.emailTaken, "Another user of this organisation has that address now.")
            }
            guard let verified = try await UserRows.verifyEmail(user.id, email: email, in: tx) else { throw AccountErrors.invalidToken }
            try await UserTokenRows.markUsed(claim.tokenID, in: tx)
            try await tx.audit(.userEmailVerified, actor: user.id, target: "user/\(user.id)", requestID: requestID,
                               before: user.auditSnapshot, after: verified.auditSnapshot)
            return (verified.email, verified.emailVerifiedAt ?? tx.now)
        }
    }
}
