import AccountsAPI
import Kernel
import Storage

/// Confirms a bulk action with a reason: the rows are fixed now (what the filter matches at this
/// moment) and the job is queued for the runner (`RunBulkJobsUseCase`). Audited as one entry for
/// the job; each row is audited again when it is changed.
struct StartBulkJobUseCase {
    let db: Database
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, action: BulkAction, selection: BulkSelection, reason: String,
                        shareReason: Bool) async throws -> BulkJobID {
        try principal.require(action.permission)
        let reason = try StaffReason(reason).value
        let targets = try await ResolveBulkSelectionStep(db: db, platform: platform)(principal, action, selection)
        let id = BulkJobID.generate()
        try await platform.platform("bulk: start") { tx in
            try await BulkJobRows.insert(id, action: action, by: principal, reason: reason, shareReason: shareReason && action.tellsPeople,
                                         targets: targets, in: tx)
            try await tx.audit(.bulkJobStarted, staff: principal.staffID, target: "bulk-job/\(id)", requestID: principal.requestID,
                               reason: reason, after: ["action": .string(action.rawValue), "rows": .int(targets.count)])
        }
        return id
    }
}
