import AccountsAPI
import Kernel
import Storage

/// Ends the session the request came with.
struct LogOutUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal) async throws {
        let sessionID = try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            if principal.impersonation != nil {
                _ = try await EndImpersonationStep()(sessionID, why: "signed out", staff: principal.impersonation?.staffID,
                                                     requestID: principal.requestID, in: tx)
                return
            }
            try await SessionRows.delete(sessionID, in: tx)
            try await tx.audit(.sessionLoggedOut, by: principal, target: "session/\(sessionID)")
        }
    }
}
