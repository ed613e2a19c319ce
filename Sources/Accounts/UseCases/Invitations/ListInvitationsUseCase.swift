import AccountsAPI
import Kernel
import Storage

/// The tenant's invitations with their state, a page at a time.
struct ListInvitationsUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, page: PageRequest) async throws -> Page<Invitation> {
        try principal.require(.invitationsManage)
        return try await db.tenant(principal.tenantID) { tx in try await InvitationRows.page(page, in: tx) }
    }
}
