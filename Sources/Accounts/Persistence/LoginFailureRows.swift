import Foundation
import Kernel
import Storage

/// SQL for `accounts.login_failures`: failed logins per account and source address.
///
/// Back-off is per (account, source): after `freeAttempts` failures from one address, that
/// address waits 1 s, 2 s, 4 s … (at most 15 minutes) between tries. Someone guessing from
/// elsewhere never locks the real user out; the per-account rate limit at the edge bounds
/// guessing spread across many addresses.
enum LoginFailureRows {
    static let freeAttempts = 5
    static let maxBlockSeconds = 900

    /// Whether this source is waiting out a back-off for this account.
    static func isBlocked(_ userID: UserID, source: String, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            select 1 from accounts.login_failures
            where tenant_id = \(tx.tenantID) and user_id = \(userID) and source = \(source)
              and blocked_until > \(tx.now)
            """).isEmpty
    }

    static func recordFailure(_ userID: UserID, source: String, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into accounts.login_failures as f (tenant_id, user_id, source, failures, last_failed_at)
            values (\(tx.tenantID), \(userID), \(source), 1, \(tx.now))
            on conflict (tenant_id, user_id, source) do update \(countFailure(at: tx.now))
            """)
    }

    /// The upsert's update of an existing row `f`: one more failure, and the back-off it earns.
    /// Shared with the staff's (`StaffLoginFailureRows`).
    static func countFailure(at now: Date) -> SQL {
        """
        -- A day without failures starts the count afresh.
        set failures = case when f.last_failed_at < \(now) - interval '1 day' then 1 else f.failures + 1 end,
            last_failed_at = \(now),
            blocked_until = case when f.last_failed_at >= \(now) - interval '1 day' and f.failures + 1 > \(freeAttempts)
                then \(now) + make_interval(secs => least(\(Double(maxBlockSeconds)), power(2, f.failures - \(freeAttempts))))
                else null end
        """
    }

    static func clear(_ userID: UserID, source: String, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            delete from accounts.login_failures
            where tenant_id = \(tx.tenantID) and user_id = \(userID) and source = \(source)
            """)
    }

    /// Forgets every source's failures (after a password reset: the person proved who they are).
    static func clearAll(_ userID: UserID, in tx: TenantTransaction) async throws {
        try await tx.execute("delete from accounts.login_failures where tenant_id = \(tx.tenantID) and user_id = \(userID)")
    }
}
