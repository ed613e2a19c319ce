import AccountsAPI
import Kernel
import Storage

/// Runs a job's failed rows again (never the rows done); returns how many were queued.
struct RetryBulkJobUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, id: BulkJobID) async throws -> Int {
        try await platform.platform("bulk: retry") { tx in
            guard let job = try await BulkJobRows.find(id, in: tx) else { throw GetBulkJobUseCase.notFound }
            try principal.require(job.action.permission)
            let count = try await BulkJobRows.retryFailed(id, in: tx)
            try await tx.audit(.bulkJobRetried, staff: principal.staffID, target: "bulk-job/\(id)", requestID: principal.requestID,
                               after: ["rows": .int(count)])
            return count
        }
    }
}
