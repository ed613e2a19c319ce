import AccountsAPI
import Kernel
import Storage

/// The sweep (every 30 s): ends the views past their time box that no request has ended yet,
/// so the audit log says when each ended even if nothing used it again. Returns how many.
struct EndOverdueImpersonationsUseCase {
    let db: Database
    let platform: PlatformDatabase

    func callAsFunction() async throws -> Int {
        let overdue = try await platform.platform("overdue impersonations") { tx in
            try await ImpersonationRows.overdue(limit: 100, in: tx)
        }
        var ended = 0
        for (tenantID, sessionID) in overdue {
            let done = try await db.tenant(tenantID) { tx in
                try await EndImpersonationStep()(sessionID, why: "time box", staff: nil, requestID: "impersonation sweep", in: tx)
            }
            if done { ended += 1 }
        }
        return ended
    }
}
