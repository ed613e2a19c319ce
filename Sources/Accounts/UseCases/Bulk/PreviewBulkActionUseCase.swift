import AccountsAPI
import Kernel
import Storage

/// The dry run of a bulk action: how many rows it would change, and the first of them. Changes
/// nothing.
struct PreviewBulkActionUseCase {
    let db: Database
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, action: BulkAction, selection: BulkSelection) async throws -> BulkPreview {
        try principal.require(action.permission)
        let targets = try await ResolveBulkSelectionStep(db: db, platform: platform)(principal, action, selection)
        return BulkPreview(count: targets.count, first: targets.prefix(10).map(\.label))
    }
}
