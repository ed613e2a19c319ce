import AccountsAPI
import Foundation
import Kernel
import Storage

/// One user as support sees them: their record, live sessions and recent sign-in events.
struct UserDetailUseCase {
    let db: Database
    let platform: PlatformDatabase
    let tenantSessions: SessionPolicy

    func callAsFunction(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws -> UserDetail {
        try principal.require(.consoleRead)
        let idle = tenantSessions.idleTimeout.timeInterval
        let (tenant, user, sessions, logins) = try await db.tenant(tenantID) { tx in
            guard let tenant = try await TenantRows.find(tenantID, in: tx) else { throw TenantDetailUseCase.tenantNotFound }
            guard let user = try await UserRows.find(userID, in: tx) else {
                throw AppError(.userNotFound, "There is no such user in this tenant.")
            }
            return (tenant, user, try await SessionRows.page(of: userID, idleSeconds: idle, PageRequest(limit: 50), in: tx).items,
                    try await Self.signInEvents(of: userID, in: tx))
        }
        return UserDetail(tenant: tenant, user: user, sessions: sessions,
                          recentLogins: try await LabelAuditEntriesStep(platform: platform)(logins))
    }

    /// The user's recent sign-in events: successes name them as the actor, failures and MFA
    /// steps as the target; both, newest first.
    private static func signInEvents(of userID: UserID, in tx: TenantTransaction) async throws -> [AuditEvent] {
        // Every `session.*` action (AccountsAuditAction.sessionLoggedIn, .sessionLoginFailed, …).
        let sessionActions = "session."
        let asActor = try await tx.auditEvents(AuditFilter(actorIDs: [userID.rawValue], action: sessionActions), PageRequest(limit: 20))
        let asTarget = try await tx.auditEvents(AuditFilter(action: sessionActions, target: "user/\(userID)"), PageRequest(limit: 20))
        var seen = Set<UUID>()
        return (asActor.items + asTarget.items).filter { seen.insert($0.id).inserted }
            .sorted { $0.id.uuidString > $1.id.uuidString }.prefix(20).map { $0 }
    }
}
