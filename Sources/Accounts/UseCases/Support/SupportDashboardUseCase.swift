import AccountsAPI
import Kernel
import Storage

/// The console's first page: counts across tenants.
struct SupportDashboardUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal) async throws -> SupportDashboard {
        try principal.require(.consoleRead)
        return try await platform.platform("console dashboard") { tx in try await TenantSearchRows.dashboard(in: tx) }
    }
}
