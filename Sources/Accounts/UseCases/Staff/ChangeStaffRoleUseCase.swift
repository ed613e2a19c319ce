import AccountsAPI
import Kernel
import Storage

/// Gives a staff member another role (never leaving the platform without an active admin).
struct ChangeStaffRoleUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, id: StaffID, role: StaffRole, expectedVersion: Int) async throws -> StaffMember {
        try principal.require(.staffManage)
        return try await ChangeStaffMemberStep(platform: platform)(principal, id: id, expectedVersion: expectedVersion,
                                                                   role: role, deactivate: false)
    }
}
