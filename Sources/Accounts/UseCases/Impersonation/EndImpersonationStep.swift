import AccountsAPI
import Kernel
import Storage

/// Ends a "view as": the session goes, the record is marked ended, the audit log says why
/// (`ended_by`: the staff member, the time box, or signing out). Does nothing for a view that
/// has ended already. Run by the console's "End now", the sweep at the time box, sign-out, and
/// a request that finds its view past its time box.
struct EndImpersonationStep {
    func callAsFunction(_ sessionID: SessionID, why: String, staff: StaffID?, requestID: String,
                        in tx: TenantTransaction) async throws -> Bool {
        guard let userID = try await ImpersonationRows.end(sessionID, in: tx) else { return false }
        try await SessionRows.delete(sessionID, in: tx)
        try await tx.audit(AuditEvent(tenantID: tx.tenantID, actorUserID: nil, action: AccountsAuditAction.impersonationEnded,
                                      target: "user/\(userID)", requestID: requestID, after: AuditSnapshot(["session": .string(sessionID.description), "ended_by": .string(why)]),
                                      actorStaffID: staff, occurredAt: tx.now))
        return true
    }
}
