import AccountsAPI
import Kernel
import Storage

/// The console's "End now" on a "view as".
struct EndImpersonationUseCase {
    let db: Database

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, sessionID: SessionID) async throws -> Bool {
        try principal.require(.usersImpersonate)
        return try await db.tenant(tenantID) { tx in
            try await EndImpersonationStep()(sessionID, why: "staff", staff: principal.staffID, requestID: principal.requestID, in: tx)
        }
    }
}
