import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `accounts.impersonations`: who viewed as whom, why, until when, and when it ended.
enum ImpersonationRows {
    struct Found {
        let impersonation: Impersonation
        let endedAt: Date?
    }

    static func insert(_ sessionID: SessionID, userID: UserID, _ impersonation: Impersonation, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into accounts.impersonations
                (tenant_id, session_id, user_id, staff_id, staff_name, staff_email, reason, can_write, started_at, ends_at)
            values (\(tx.tenantID), \(sessionID), \(userID), \(impersonation.staffID), \(impersonation.staffName),
                    \(impersonation.staffEmail), \(impersonation.reason), \(impersonation.canWrite), \(tx.now), \(impersonation.endsAt))
            """)
    }

    static func find(_ sessionID: SessionID, in tx: TenantTransaction) async throws -> Found? {
        try await tx.query("""
            select staff_id, staff_name, staff_email, reason, can_write, ends_at, ended_at from accounts.impersonations
             where tenant_id = \(tx.tenantID) and session_id = \(sessionID)
            """).first.map { row in
            Found(impersonation: Impersonation(staffID: try row.decode("staff_id"), staffName: try row.decode("staff_name"),
                                               staffEmail: try row.decode("staff_email"), reason: try row.decode("reason"),
                                               canWrite: try row.decode("can_write"), endsAt: try row.decode("ends_at")),
                  endedAt: try row.decode("ended_at"))
        }
    }

    /// Marks it ended (at the time box, if that came first); returns its user when this ended it.
    static func end(_ sessionID: SessionID, in tx: TenantTransaction) async throws -> UserID? {
        try await tx.query("""
            update accounts.impersonations set ended_at = least(\(tx.now), ends_at)
             where tenant_id = \(tx.tenantID) and session_id = \(sessionID) and ended_at is null
            returning user_id
            """).first?.decode("user_id")
    }

    /// Views past their time box and not yet ended, across tenants (the sweep's list).
    static func overdue(limit: Int, in tx: PlatformTransaction) async throws -> [(TenantID, SessionID)] {
        try await tx.query("""
            select tenant_id, session_id from accounts.impersonations
             where ended_at is null and ends_at <= \(tx.now) order by ends_at limit \(limit)
            """).map { (try $0.decode("tenant_id"), try $0.decode("session_id")) }
    }
}
