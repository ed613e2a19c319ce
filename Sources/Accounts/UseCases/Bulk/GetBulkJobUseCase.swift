import AccountsAPI
import Kernel
import Storage

/// A bulk job's progress: counts, and the rows that failed with their reasons.
struct GetBulkJobUseCase {
    let platform: PlatformDatabase

    static let notFound = AppError(.bulkJobNotFound, "There is no such job.")

    func callAsFunction(_ principal: StaffPrincipal, id: BulkJobID) async throws -> BulkJob {
        try principal.require(.consoleRead)
        guard let job = try await platform.platform("bulk: job", { tx in try await BulkJobRows.find(id, in: tx) }) else {
            throw Self.notFound
        }
        return job
    }
}
