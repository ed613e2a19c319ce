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
        let (free, cap) = (LoginFailureRows.freeAttempts, Double(LoginFailureRows.maxBlockSeconds))
        try await tx.execute("""
            insert into platform.staff_login_failures (staff_id, source, failures, last_failed_at)
            values (\(id), \(source), 1, \(tx.now))
            on conflict (staff_id, source) do update
            -- A day without failures starts the count afresh.
            set failures = case when staff_login_failures.last_failed_at < \(tx.now) - interval '1 day' then 1
                                else staff_login_failures.failures + 1 end,
                last_failed_at = \(tx.now),
                blocked_until = case when staff_login_failures.last_failed_at >= \(tx.now) - interval '1 day'
                                      and staff_login_failures.failures + 1 > \(free)
                    then \(tx.now) + make_interval(secs => least(\(cap), power(2, staff_login_failures.failures - \(free))))
                    else null end
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
