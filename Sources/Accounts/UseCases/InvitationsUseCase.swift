import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// Inviting people by email with a role, and their acceptance: a single-use token valid for
/// seven days; a new invitation to the same address replaces the pending one.
struct InvitationsUseCase {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: PasswordPolicy

    static let lifetime: TimeInterval = 7 * 24 * 3600

    func invite(_ principal: Principal, email: String, role: Role,
                idempotency: IdempotentCompletion<Invitation>?) async throws -> Invitation {
        try principal.require(.invitationsManage)
        if role == .owner { try principal.require(.ownersManage) }
        let email = try UserFields.valid(UserFields.email(email))
        return try await db.tenant(principal.tenantID) { tx in
            guard let inviter = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx) else { throw AccountErrors.gone }
            try Self.requireVerified(inviter)
            if try await UserRows.emailTaken(email, except: nil, in: tx) {
                throw AppError(.alreadyMember, "Someone with that address is already a member.")
            }
            try await InvitationRows.revokePending(email: email, in: tx)
            let (token, hash) = SecretToken.make(.invitation)
            let invitation = try await InvitationRows.insert(
                id: .generate(), email: email, role: role, tokenHash: hash, invitedBy: inviter.id,
                expiresAt: Date().addingTimeInterval(Self.lifetime), in: tx)
            try await tx.publish(InvitationCreated(tenantID: tenant.id, tenantName: tenant.name, invitationID: invitation.id,
                                                   email: email, role: role, inviterName: inviter.name, token: token,
                                                   expiresAt: invitation.expiresAt))
            try await tx.audit("invitation.created", by: principal, target: "invitation/\(invitation.id)",
                               after: AuditJSON.encode(["email": email, "role": role.rawValue]))
            if let idempotency { try await tx.complete(idempotency, with: invitation) }
            return invitation
        }
    }

    func list(_ principal: Principal, page: PageRequest) async throws -> Page<Invitation> {
        try principal.require(.invitationsManage)
        return try await db.tenant(principal.tenantID) { tx in try await InvitationRows.page(page, in: tx) }
    }

    /// Revoking a pending invitation ends its token; revoking again (or an expired one) is fine.
    func revoke(_ principal: Principal, id: InvitationID) async throws {
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
                try await tx.audit("invitation.revoked", by: principal, target: "invitation/\(id)",
                                   before: AuditJSON.encode(["email": invitation.email, "role": invitation.role.rawValue]))
            }
        }
    }

    func accept(_ request: AcceptInvitation) async throws -> (tenant: Tenant, user: User) {
        guard SecretToken.isWellFormed(request.token, .invitation) else { throw AccountErrors.invalidToken }
        var errors: [FieldError] = []
        let name = UserFields.name(request.name, field: "name")
        if case .failure(let error) = name { errors.append(error) }
        if let error = policy.check(request.password, field: "password") { errors.append(error) }
        guard errors.isEmpty, case .success(let validName) = name else { throw AppError.validation(errors) }

        let hash = SecretToken.hash(request.token)
        guard let (tenantID, invitationID) = try await platform.platform("locate invitation", { tx in
            try await InvitationRows.locate(tokenHash: hash, in: tx)
        }) else { throw AccountErrors.invalidToken }
        // Hash only for an invitation that is still open; check again under the row lock.
        let open = try await db.tenant(tenantID) { tx in try await InvitationRows.find(invitationID, in: tx)?.state == .pending }
        guard open else { throw AccountErrors.invalidToken }
        let passwordHash = try await hasher.hash(request.password)
        return try await db.tenant(tenantID) { tx in
            guard let invitation = try await InvitationRows.find(invitationID, lock: true, in: tx),
                  invitation.state == .pending,
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx), tenant.status == .active else {
                throw AccountErrors.invalidToken
            }
            if try await UserRows.emailTaken(invitation.email, except: nil, in: tx) {
                throw AppError(.alreadyMember, "Someone with that address is already a member.")
            }
            // The token reached this address, so the address is proven.
            let user = try await UserRows.insert(id: .generate(), email: invitation.email, name: validName,
                                                 role: invitation.role, passwordHash: passwordHash, verified: true, in: tx)
            try await InvitationRows.accept(invitationID, userID: user.id, in: tx)
            try await tx.audit("invitation.accepted", actor: user.id, target: "invitation/\(invitationID)",
                               requestID: request.requestID, after: UserRows.auditJSON(user))
            return (tenant, user)
        }
    }

    /// Inviting people and creating keys wait until the actor's own address is proven: an
    /// unverified account could be anyone's typo.
    static func requireVerified(_ user: User) throws {
        guard user.emailVerified else {
            throw AppError(.emailUnverified, "Verify your email address first (see the email we sent, or ask for a new one).")
        }
    }
}
