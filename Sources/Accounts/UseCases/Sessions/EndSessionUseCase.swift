import AccountsAPI
import Kernel
import Storage

/// Ends one of the caller's own sessions (a lost laptop); anyone else's id is as unknown as a
/// made-up one.
struct EndSessionUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: SessionID) async throws {
        try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            guard try await SessionRows.delete(id, of: principal.userID, in: tx) else {
                throw AppError(.sessionNotFound, "You have no session with that id.")
            }
            try await tx.audit(.sessionEnded, by: principal, target: "session/\(id)")
        }
    }
}
