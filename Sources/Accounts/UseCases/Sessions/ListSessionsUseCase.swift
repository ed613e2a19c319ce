import AccountsAPI
import Kernel
import Storage

/// The signed-in person's sessions that have not ended.
struct ListSessionsUseCase {
    let db: Database
    let sessions: SessionPolicy

    func callAsFunction(_ principal: Principal, page: PageRequest) async throws -> Page<SessionInfo> {
        try principal.requireSession()
        let idle = Double(sessions.idleTimeout.components.seconds)
        return try await db.tenant(principal.tenantID) { tx in
            try await SessionRows.page(of: principal.userID, idleSeconds: idle, page, in: tx)
        }
    }
}
