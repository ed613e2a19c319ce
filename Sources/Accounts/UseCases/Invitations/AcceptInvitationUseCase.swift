import AccountsAPI
import Kernel
import PasswordHashing
import Storage

/// The invited person's answer: the token, their name and a password make them a user with the
/// invited role (their address is proven: the token reached it) — while a seat is free: the
/// plan's seats plus extra ones bought (the invitation stays open, to accept once there is one).
struct AcceptInvitationUseCase {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let policy: PasswordPolicy

    func callAsFunction(_ request: AcceptInvitation) async throws -> (tenant: Tenant, user: User) {
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
                  // Locked: acceptances in one tenant take their seats one at a time.
                  let tenant = try await TenantRows.find(tx.tenantID, in: tx, lock: true), tenant.status == .active else {
                throw AccountErrors.invalidToken
            }
            if try await UserRows.emailTaken(invitation.email, except: nil, in: tx) {
                throw AppError(.alreadyMember, "Someone with that address is already a member.")
            }
            let seats = try await TenantRows.seats(in: tx)
            if let limit = seats.limit, seats.used >= limit + seats.extra {
                throw AppError(.seatLimitReached, "Every seat of \(tenant.name) is taken (\(limit + seats.extra)); ask an owner to buy extra seats or change the plan, then accept again.")
            }
            let user = try await UserRows.insert(id: .generate(), email: invitation.email, name: validName,
                                                 role: invitation.role, passwordHash: passwordHash, verified: true, in: tx)
            try await InvitationRows.accept(invitationID, userID: user.id, in: tx)
            try await tx.publish(UserJoined(tenantID: tx.tenantID, user: user, invitationID: invitationID))
            try await tx.audit(.invitationAccepted, actor: user.id, target: "invitation/\(invitationID)",
                               requestID: request.requestID, after: user.auditSnapshot)
            return (tenant, user)
        }
    }
}
