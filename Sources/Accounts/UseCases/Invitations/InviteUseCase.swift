import AccountsAPI
import Foundation
import Kernel
import Storage

/// Invites someone by email with a role: a single-use token valid for seven days; a new
/// invitation to the same address replaces the pending one.
struct InviteUseCase {
    let db: Database

    static let lifetime: TimeInterval = 7 * 24 * 3600

    func callAsFunction(_ principal: Principal, email: String, role: Role,
                        idempotency: IdempotentCompletion<Invitation>?) async throws -> Invitation {
        try principal.require(.invitationsManage)
        if role == .owner { try principal.require(.ownersManage) }
        let email = try UserFields.valid(UserFields.email(email))
        return try await db.tenant(principal.tenantID) { tx in
            guard let inviter = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            try inviter.requireVerifiedEmail()
            if try await UserRows.emailTaken(email, except: nil, in: tx) {
                throw AppError(.alreadyMember, "Someone with that address is already a member.")
            }
            try await InvitationRows.revokePending(email: email, in: tx)
            let (token, hash) = SecretToken.make(.invitation)
            let invitation = try await InvitationRows.insert(
                id: .generate(), email: email, role: role, tokenHash: hash, invitedBy: inviter.id,
                expiresAt: tx.now.addingTimeInterval(Self.lifetime), in: tx)
            try await tx.publish(InvitationCreated(tenantID: tenant.id, tenantName: tenant.name, invitationID: invitation.id,
                                                   email: email, role: role, inviterName: inviter.name, token: try tx.sealEmailed(token, to: email),
                                                   expiresAt: invitation.expiresAt, invitation: invitation))
            try await tx.audit(.invitationCreated, by: principal, target: "invitation/\(invitation.id)",
                               after: ["email": .string(email), "role": .string(role.rawValue)])
            if let idempotency { try await tx.complete(idempotency, with: invitation) }
            return invitation
        }
    }
}
