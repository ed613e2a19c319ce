import AccountsAPI
import Kernel
import Storage

/// Signs a user out everywhere, with a reason; returns how many sessions ended.
struct EndUserSessionsUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String) async throws -> Int {
        try principal.require(.accountSupport)
        let reason = try StaffReason(reason).value
        return try await db.tenant(tenantID) { tx in
            _ = try await SupportLookupStep().user(userID, in: tx)
            let ended = try await SessionRows.deleteAll(of: userID, in: tx)
            try await tx.audit(.userSessionsEnded, by: principal, target: "user/\(userID)", reason: reason,
                               after: ["sessions": .int(ended)])
            return ended
        }
    }
}
