import AccountsAPI
import Kernel
import Storage

/// Deactivates a staff member and ends their sessions; nobody deactivates themselves.
struct DeactivateStaffUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, id: StaffID, expectedVersion: Int) async throws -> StaffMember {
        try principal.require(.staffManage)
        if id == principal.staffID {
            throw AppError(.forbidden, "You cannot deactivate yourself; ask another admin.")
        }
        return try await ChangeStaffMemberStep(platform: platform)(principal, id: id, expectedVersion: expectedVersion,
                                                                   role: nil, deactivate: true)
    }
}
