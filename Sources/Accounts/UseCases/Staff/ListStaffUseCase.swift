import AccountsAPI
import Kernel
import Storage

/// Every staff member, for admins.
struct ListStaffUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal) async throws -> [StaffMember] {
        try principal.require(.staffManage)
        return try await platform.platform("list staff") { tx in try await StaffRows.all(in: tx) }
    }
}
