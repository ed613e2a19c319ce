import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `platform.bulk_jobs` and `platform.bulk_job_items`. The runner's leases run on
/// PostgreSQL's clock, like the other queues'.
enum BulkJobRows {
    struct Target: Sendable {
        let tenantID: TenantID
        let userID: UserID?
        let label: String
    }

    /// A claimed row, with what its job says to do.
    struct Claimed: Sendable {
        let jobID: BulkJobID
        let position: Int
        let target: Target
        let action: BulkAction
        let staffID: StaffID
        let reason: String
        let shareReason: Bool
    }

    enum Outcome: String {
        case done, skipped, failed
    }

    static func insert(_ id: BulkJobID, action: BulkAction, by staff: StaffPrincipal, reason: String, shareReason: Bool,
                       targets: [Target], in tx: PlatformTransaction) async throws {
        try await tx.execute("""
            insert into platform.bulk_jobs (job_id, action, staff_id, staff_email, reason, share_reason, total)
            values (\(id), \(action.rawValue), \(staff.staffID), \(staff.email), \(reason), \(shareReason), \(targets.count))
            """)
        // One statement for every row: the arrays travel as parameters, in order.
        try await tx.execute("""
            insert into platform.bulk_job_items (job_id, position, target_tenant_id, target_user_id, label)
            select \(id), t.position, t.tenant_id::uuid, nullif(t.user_id, '')::uuid, t.label
              from unnest(\(targets.map(\.tenantID.description)), \(targets.map { $0.userID?.description ?? "" }),
                          \(targets.map(\.label))) with ordinality as t(tenant_id, user_id, label, position)
            """)
    }

    /// Up to `limit` rows due, oldest job first, each leased for a minute (a runner that dies
    /// leaves its row to the next after that).
    static func claim(limit: Int, in tx: PlatformTransaction) async throws -> [Claimed] {
        try await tx.query("""
            with due as (
                select i.job_id, i.position from platform.bulk_job_items i
                 where i.status = 'pending' or (i.status = 'running' and i.locked_until < now())
                 order by i.job_id, i.position
                 limit \(limit)
                   for update skip locked
            ), claimed as (
                update platform.bulk_job_items i set status = 'running', locked_until = now() + interval '1 minute'
                  from due where i.job_id = due.job_id and i.position = due.position
                returning i.job_id, i.position, i.target_tenant_id, i.target_user_id, i.label
            )
            select c.job_id, c.position, c.target_tenant_id, c.target_user_id, c.label, j.action, j.staff_id, j.reason, j.share_reason
              from claimed c join platform.bulk_jobs j using (job_id)
             order by c.job_id, c.position
            """).map { row in
            Claimed(jobID: try row.decode("job_id"), position: try row.decode("position"),
                    target: Target(tenantID: try row.decode("target_tenant_id"), userID: try row.decode("target_user_id"),
                                   label: try row.decode("label")),
                    action: try row.decode("action", as: BulkAction.self), staffID: try row.decode("staff_id"),
                    reason: try row.decode("reason"), shareReason: try row.decode("share_reason"))
        }
    }

    static func record(_ claimed: Claimed, _ outcome: Outcome, error: String? = nil, in tx: PlatformTransaction) async throws {
        try await tx.execute("""
            update platform.bulk_job_items set status = \(outcome.rawValue), error = \(error.map { String($0.prefix(500)) }),
                   done_at = now(), locked_until = null
             where job_id = \(claimed.jobID) and position = \(claimed.position)
            """)
        try await tx.execute("""
            update platform.bulk_jobs j set finished_at = now()
             where job_id = \(claimed.jobID) and finished_at is null
               and not exists (select 1 from platform.bulk_job_items i
                                where i.job_id = j.job_id and i.status in ('pending', 'running'))
            """)
    }

    static func find(_ id: BulkJobID, in tx: PlatformTransaction) async throws -> BulkJob? {
        guard let row = try await tx.query("""
            select j.job_id, j.action, j.reason, j.staff_email, j.created_at, j.finished_at, j.total,
                   count(*) filter (where i.status = 'done')::int8 as done,
                   count(*) filter (where i.status = 'skipped')::int8 as skipped,
                   count(*) filter (where i.status = 'failed')::int8 as failed
              from platform.bulk_jobs j left join platform.bulk_job_items i using (job_id)
             where j.job_id = \(id)
             group by j.job_id
            """).first else { return nil }
        let failures = try await tx.query("""
            select label, error from platform.bulk_job_items where job_id = \(id) and status = 'failed' order by position limit 200
            """).map { BulkJob.Failure(label: try $0.decode("label"), error: try $0.decode("error", as: String?.self) ?? "") }
        return BulkJob(id: try row.decode("job_id"), action: try row.decode("action", as: BulkAction.self),
                       reason: try row.decode("reason"), staffEmail: try row.decode("staff_email"),
                       createdAt: try row.decode("created_at"), finishedAt: try row.decode("finished_at"),
                       total: try row.decode("total"), done: try row.decode("done"), skipped: try row.decode("skipped"),
                       failed: try row.decode("failed"), failures: failures)
    }

    /// The failed rows, due again; returns how many.
    static func retryFailed(_ id: BulkJobID, in tx: PlatformTransaction) async throws -> Int {
        let count = try await tx.query("""
            update platform.bulk_job_items set status = 'pending', error = null, done_at = null
             where job_id = \(id) and status = 'failed' returning 1
            """).count
        if count > 0 {
            try await tx.execute("update platform.bulk_jobs set finished_at = null where job_id = \(id)")
        }
        return count
    }
}
