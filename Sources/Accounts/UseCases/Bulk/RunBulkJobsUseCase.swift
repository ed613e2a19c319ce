import AccountsAPI
import Kernel
import Storage

/// The runner (a periodic task: every 5 s when idle, batch after batch while there is work): claims due rows and changes each in its own
/// transaction through the same use case a single change goes through, as the staff member who
/// started the job (their role now: a member deactivated since stops their jobs), with the job's
/// reason and `bulk-job/<id>` as the audit entries' request id. A row that fails is recorded with
/// its reason and the rest go on; a row that needs nothing (already suspended) is skipped.
struct RunBulkJobsUseCase {
    let db: Database
    let platform: PlatformDatabase

    func callAsFunction(limit: Int) async throws -> Int {
        let claimed = try await platform.platform("bulk: claim") { tx in try await BulkJobRows.claim(limit: limit, in: tx) }
        guard !claimed.isEmpty else { return 0 }
        // Who started each job, as they are now: read once for the batch, not once per row.
        let staffIDs = Array(Set(claimed.map(\.staffID)))
        let staff = try await platform.platform("bulk: staff") { tx in
            var found: [StaffID: StaffMember] = [:]
            for id in staffIDs { found[id] = try await StaffRows.find(id, in: tx) }
            return found
        }
        for row in claimed {
            let (outcome, error) = await run(row, by: staff[row.staffID])
            try await platform.platform("bulk: record") { tx in try await BulkJobRows.record(row, outcome, error: error, in: tx) }
        }
        return claimed.count
    }

    private func run(_ row: BulkJobRows.Claimed, by staff: StaffMember?) async -> (BulkJobRows.Outcome, String?) {
        do {
            guard let staff, staff.status == .active else {
                return (.failed, "The staff member who started this job is no longer active.")
            }
            let principal = StaffPrincipal(staffID: staff.id, email: staff.email, role: staff.role, requestID: "bulk-job/\(row.jobID)")
            let target = row.target
            switch row.action {
            case .suspendTenants, .reactivateTenants:
                let status: Tenant.Status = row.action == .suspendTenants ? .suspended : .active
                let before = try await db.tenant(target.tenantID) { tx in try await TenantRows.find(target.tenantID, in: tx) }
                guard let before else { return (.failed, "There is no such tenant any more.") }
                guard before.status != status else { return (.skipped, nil) }
                _ = try await SetTenantStatusUseCase(db: db)(principal, id: target.tenantID, status: status, reason: row.reason,
                                                             shareReason: row.shareReason, expectedVersion: nil)
            case .lockUsers, .unlockUsers:
                guard let userID = target.userID else { return (.failed, "No user on this row.") }
                let locked = row.action == .lockUsers
                let before = try await db.tenant(target.tenantID) { tx in try await UserRows.find(userID, in: tx) }
                guard let before else { return (.failed, "There is no such user in this tenant any more.") }
                guard (before.lockedAt != nil) != locked else { return (.skipped, nil) }
                _ = try await SetUserLockUseCase(db: db)(principal, tenantID: target.tenantID, userID: userID, locked: locked,
                                                         reason: row.reason, shareReason: row.shareReason, expectedVersion: nil)
            case .resendVerification:
                guard let userID = target.userID else { return (.failed, "No user on this row.") }
                try await ResendUserVerificationUseCase(db: db)(principal, tenantID: target.tenantID, userID: userID)
            }
            return (.done, nil)
        } catch let error as AppError where error.code == .alreadyVerified {
            return (.skipped, nil)
        } catch let error as AppError {
            return (.failed, error.detail)
        } catch {
            return (.failed, "An unexpected error: \(error)")
        }
    }
}
