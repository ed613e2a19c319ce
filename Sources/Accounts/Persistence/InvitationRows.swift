import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL for `accounts.invitations`. The state is derived from the timestamps, so an invitation
/// expires without anyone writing to it.
enum InvitationRows {
    /// The columns `decode` reads; the state as of `now` (the transaction's clock time).
    static func columns(at now: Date) -> SQL {
        """
        invitation_id, email, role, invited_by, expires_at, created_at, accepted_at, revoked_at,
        case when accepted_at is not null then 'accepted' when revoked_at is not null then 'revoked'
             when expires_at <= \(now) then 'expired' else 'pending' end as state
        """
    }

    static func insert(id: InvitationID, email: String, role: Role, tokenHash: [UInt8], invitedBy: UserID, expiresAt: Date,
                       in tx: TenantTransaction) async throws -> Invitation {
        try decode(try await tx.query("""
            insert into accounts.invitations
                (tenant_id, invitation_id, email, role, token_hash, invited_by, expires_at, created_at)
            values (\(tx.tenantID), \(id), \(email), \(role.rawValue), \(SQLValue.bytes(tokenHash)), \(invitedBy), \(expiresAt),
                    \(tx.now))
            returning \(columns(at: tx.now))
            """)[0])
    }

    /// Revokes pending invitations to this address (a new one replaces them).
    static func revokePending(email: String, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.invitations set revoked_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and lower(email) = lower(\(email))
              and accepted_at is null and revoked_at is null and expires_at > \(tx.now)
            """)
    }

    static func find(_ id: InvitationID, lock: Bool = false, in tx: TenantTransaction) async throws -> Invitation? {
        try await tx.query("""
            select \(columns(at: tx.now)) from accounts.invitations where tenant_id = \(tx.tenantID) and invitation_id = \(id)
            \(lock ? SQL(stringLiteral: "for update") : "")
            """).first.map(decode)
    }

    static func revoke(_ id: InvitationID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.invitations set revoked_at = \(tx.now)
            where tenant_id = \(tx.tenantID) and invitation_id = \(id) and revoked_at is null and accepted_at is null
            """)
    }

    static func accept(_ id: InvitationID, userID: UserID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update accounts.invitations set accepted_at = \(tx.now), accepted_user_id = \(userID)
            where tenant_id = \(tx.tenantID) and invitation_id = \(id)
            """)
    }

    static func locate(tokenHash: [UInt8], in tx: PlatformTransaction) async throws -> (TenantID, InvitationID)? {
        guard let row = try await tx.query("""
            select tenant_id, invitation_id from accounts.invitations where token_hash = \(SQLValue.bytes(tokenHash))
            """).first else { return nil }
        return (try row.decode("tenant_id"), try row.decode("invitation_id"))
    }

    static func page(_ request: PageRequest, in tx: TenantTransaction) async throws -> Page<Invitation> {
        let rows = try await tx.query("""
            select \(columns(at: tx.now)) from accounts.invitations
            where tenant_id = \(tx.tenantID) and (\(request.after)::uuid is null or invitation_id > \(request.after))
            order by invitation_id limit \(request.limit + 1)
            """)
        return Page(fetched: try rows.map(decode), limit: request.limit, id: \.id.rawValue)
    }

    static func decode(_ row: Row) throws -> Invitation {
        Invitation(id: try row.decode("invitation_id"), email: try row.decode("email"),
                   role: try row.decode("role", as: Role.self),
                   state: try row.decode("state", as: Invitation.State.self),
                   expiresAt: try row.decode("expires_at"), createdAt: try row.decode("created_at"),
                   invitedBy: try row.decode("invited_by"), acceptedAt: try row.decode("accepted_at"),
                   revokedAt: try row.decode("revoked_at"))
    }
}
