import AccountsAPI
import Foundation
import Kernel
import PasswordHashing
import Storage

/// An admin invites someone to the console by email: the member exists at once, with no usable
/// password, and the emailed link (48 hours, once) opens their first sign-in (`AcceptStaff-
/// InvitationUseCase`), where they set a password and TOTP. Nobody types a password they did not
/// choose.
struct InviteStaffUseCase {
    let platform: PlatformDatabase
    let hasher: PasswordHasher

    static let lifetime: TimeInterval = 48 * 3600

    func callAsFunction(email: String, name: String, role: StaffRole, by actor: StaffPrincipal) async throws -> StaffMember {
        try actor.require(.staffManage)
        let valid = try UserFields.collect([UserFields.email(email, field: "email"),
                                            UserFields.name(name.isEmpty ? "Staff" : name, field: "name")])
        let (validEmail, validName) = (valid[0], valid[1])
        // A password nobody knows: the member signs in through the link only.
        let unusable = try await hasher.hash(SecretToken.make(.staffInvitation).token)
        let (token, tokenHash) = SecretToken.make(.staffInvitation)
        return try await platform.platform("invite staff") { tx in
            guard let member = try await StaffRows.insert(id: .generate(), email: validEmail, name: validName, role: role,
                                                          passwordHash: unusable, in: tx) else {
                throw AppError(.staffEmailTaken, "A staff member with that email address exists already.")
            }
            let expiresAt = tx.now.addingTimeInterval(Self.lifetime)
            try await StaffRows.setInvitation(member.id, tokenHash: tokenHash, expiresAt: expiresAt, in: tx)
            let inviter = try await StaffRows.find(actor.staffID, in: tx)
            let sealed = try tx.seal(Array(token.utf8), tenant: .platform, purpose: EmailedToken.purpose,
                                     row: EmailedToken.row(email: validEmail))
            try await tx.publish(StaffInvited(staffID: member.id, email: validEmail, name: validName, role: role,
                                              inviterName: inviter?.name ?? actor.email, token: SealedSecret(sealed: sealed),
                                              expiresAt: expiresAt))
            try await tx.audit(.staffInvited, staff: actor.staffID, target: "staff/\(member.id)", requestID: actor.requestID,
                               after: member.auditSnapshot)
            return member
        }
    }
}
