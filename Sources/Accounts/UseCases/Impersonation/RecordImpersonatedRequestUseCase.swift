import AccountsAPI
import Kernel
import Storage

/// One audit entry per request made during a "view as": the staff member, the user, the reason,
/// and what was asked (method, path, status). Paths carry ids only, never values.
struct RecordImpersonatedRequestUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, method: String, path: String, status: Int) async throws {
        guard let impersonation = principal.impersonation else { return }
        try await db.tenant(principal.tenantID) { tx in
            try await tx.audit(AuditEvent(tenantID: tx.tenantID, actorUserID: nil, action: AccountsAuditAction.impersonationRequest,
                                          target: "user/\(principal.userID)", requestID: principal.requestID,
                                          after: ["method": .string(method), "path": .string(String(path.prefix(300))),
                                                  "status": .int(status), "session": .string(principal.sessionID?.description ?? "")],
                                          actorStaffID: impersonation.staffID, reason: impersonation.reason, occurredAt: tx.now))
        }
    }
}
