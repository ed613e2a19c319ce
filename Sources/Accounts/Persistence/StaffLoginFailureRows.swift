import Foundation
import Kernel
import Storage

/// SQL for `platform.staff_login_failures`: failed console sign-ins per member and source
/// address, with the same back-off as tenant users' (`LoginFailureRows`).
enum StaffLoginFailureRows {
    /// Whether this source is waiting out a back-off for this member.
    static func isBlocked(_ id: StaffID, source: String, in tx: PlatformTransaction) async throws -> Bool {
        try await !tx.query("""
            select 1 from platform.staff_login_failures
             where staff_id = \(id) and source = \(source) and blocked_until > \(tx.now)
            """).isEmpty
    }

    static func recordFailure(_ id: StaffID, source: String, in tx: PlatformTransaction) async throws {
        try await tx.execute("""
            insert into platform.staff_login_failures as f (staff_id, source, failures, last_failed_at)
            values (\(id), \(source), 1, \(tx.now))
            on conflict (staff_id, source) do update \(LoginFailureRows.countFailure(at: tx.now))
            """)
    }

    static func clear(_ id: StaffID, source: String, in tx: PlatformTransaction) async throws {
        try await tx.execute("delete from platform.staff_login_failures where staff_id = \(id) and source = \(source)")
    }

    /// Forgets every source's failures (an admin reset the member).
    static func clearAll(_ id: StaffID, in tx: PlatformTransaction) async throws {
        try await tx.execute("delete from platform.staff_login_failures where staff_id = \(id)")
    }
}
