import AccountsAPI
import Kernel
import Storage

/// Ends the console session behind the cookie, on the server.
struct StaffSignOutUseCase {
    let platform: PlatformDatabase

    func callAsFunction(token: String, requestID: String) async throws {
        guard SecretToken.isWellFormed(token, .staffSession) else { return }
        try await platform.platform("staff sign-out") { tx in
            guard let found = try await StaffSessionRows.find(tokenHash: SecretToken.hash(token), in: tx, lock: true) else { return }
            try await StaffSessionRows.delete(found.sessionID, in: tx)
            try await tx.audit(.staffSignedOut, staff: found.member.id, target: "staff/\(found.member.id)", requestID: requestID)
        }
    }
}
