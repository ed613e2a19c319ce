import BillingAPI
import Kernel
import Storage

/// Every version of every plan, retired ones too (staff and operators).
struct ListCatalogUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal?) async throws -> [Plan] {
        try principal?.require(.consoleRead)
        return try await platform.platform("billing catalog, all versions") { tx in try await PlanRows.all(in: tx) }
    }
}
