import AccountsAPI
import Kernel
import Storage

/// Ends the session the request came with.
struct LogOutUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws {
        let sessionID = try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            try await SessionRows.delete(sessionID, in: tx)
            try await tx.audit(.sessionLoggedOut, by: principal, target: "session/\(sessionID)")
        }
    }
}
