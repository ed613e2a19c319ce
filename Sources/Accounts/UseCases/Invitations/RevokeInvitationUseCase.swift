import AccountsAPI
import Kernel
import Storage

/// Revoking a pending invitation ends its token; revoking again (or an expired one) is fine.
struct RevokeInvitationUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, id: InvitationID) async throws {
        try principal.require(.invitationsManage)
        try await db.tenant(principal.tenantID) { tx in
            guard let invitation = try await InvitationRows.find(id, lock: true, in: tx) else {
                throw AppError(.invitationNotFound, "There is no such invitation.")
            }
            switch invitation.state {
            case .accepted:
                throw AppError(.invitationAccepted, "The invitation was already accepted; manage the user instead.")
            case .revoked, .expired:
                return
            case .pending:
                if invitation.role == .owner { try principal.require(.ownersManage) }
                try await InvitationRows.revoke(id, in: tx)
                try await tx.audit(.invitationRevoked, by: principal, target: "invitation/\(id)",
                                   before: ["email": .string(invitation.email), "role": .string(invitation.role.rawValue)])
            }
        }
    }
}
