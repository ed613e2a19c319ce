public import AccountsAPI
public import Foundation
public import Kernel
public import PasswordHashing
public import Storage

/// The implementation of `StaffService` and `SupportService`: the platform's own people and
/// what they do to tenants. Only the composition root creates it.
public struct StaffModule: StaffService, SupportService {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let consoleSessions: StaffSessionPolicy
    let tenantSessions: SessionPolicy
    let dummyHash = DummyHash()

    public init(db: Database, platform: PlatformDatabase, hasher: PasswordHasher, consoleSessions: StaffSessionPolicy = .init(),
                tenantSessions: SessionPolicy = .init()) {
        self.db = db
        self.platform = platform
        self.hasher = hasher
        self.consoleSessions = consoleSessions
        self.tenantSessions = tenantSessions
    }

    // MARK: Staff and sign-in

    public func createStaff(email: String, name: String, role: StaffRole, by actor: StaffPrincipal?) async throws -> NewStaffMember {
        try await directory.create(email: email, name: name, role: role, by: actor)
    }

    public func signIn(email: String, password: String, source: String, userAgent: String?,
                       requestID: String) async throws -> StaffSignIn {
        try await signInFlow.signIn(email: email, password: password, source: source, userAgent: userAgent, requestID: requestID)
    }

    public func session(token: String, requestID: String) async throws -> StaffSession? {
        try await signInFlow.session(token: token, requestID: requestID)
    }

    public func confirmSignIn(token: String, code: String, requestID: String) async throws -> StaffSignIn {
        try await signInFlow.confirm(token: token, code: code, requestID: requestID)
    }

    public func pendingEnrolment(token: String) async throws -> TOTPEnrolment {
        try await signInFlow.pendingEnrolment(token: token)
    }

    public func completeSetup(token: String, newPassword: String, code: String, requestID: String) async throws -> StaffSignIn {
        try await signInFlow.completeSetup(token: token, newPassword: newPassword, code: code, requestID: requestID)
    }

    public func signOut(token: String, requestID: String) async throws {
        try await signInFlow.signOut(token: token, requestID: requestID)
    }

    public func staff(_ principal: StaffPrincipal) async throws -> [StaffMember] {
        try await directory.list(principal)
    }

    public func changeStaffRole(_ principal: StaffPrincipal, id: StaffID, role: StaffRole,
                                expectedVersion: Int) async throws -> StaffMember {
        try await directory.change(principal, id: id, expectedVersion: expectedVersion, role: role)
    }

    public func deactivateStaff(_ principal: StaffPrincipal, id: StaffID, expectedVersion: Int) async throws -> StaffMember {
        try await directory.change(principal, id: id, expectedVersion: expectedVersion, deactivate: true)
    }

    private var directory: StaffDirectoryUseCase { StaffDirectoryUseCase(platform: platform, hasher: hasher) }
    private var signInFlow: StaffSignInUseCase {
        StaffSignInUseCase(platform: platform, hasher: hasher, policy: consoleSessions, passwords: .standard, dummyHash: dummyHash)
    }

    // MARK: Support: reads

    public func dashboard(_ principal: StaffPrincipal) async throws -> SupportDashboard {
        try principal.require(.consoleRead)
        return try await platform.platform("console dashboard") { tx in try await TenantSearchRows.dashboard(in: tx) }
    }

    public func tenants(_ principal: StaffPrincipal, query: TenantQuery, after: String?,
                        limit: Int) async throws -> Page<TenantSummary> {
        try principal.require(.consoleRead)
        let cursor = try after.map(TenantSearchRows.Cursor.init)
        let fetched = try await platform.platform("console tenants") { tx in
            try await TenantSearchRows.page(query, after: cursor, limit: limit + 1, in: tx)
        }
        return Page(fetched: fetched, limit: limit) { TenantSearchRows.cursor(after: $0, sort: query.sort).text }
    }

    public func tenantDetail(_ principal: StaffPrincipal, id: TenantID) async throws -> TenantDetail {
        try principal.require(.consoleRead)
        let (tenant, reason, users, events) = try await db.tenant(id) { tx in
            guard let tenant = try await TenantRows.find(id, in: tx) else { throw SupportActionsUseCase.tenantNotFound }
            return (tenant, try await TenantRows.statusReason(in: tx), try await UserRows.page(PageRequest(limit: 200), in: tx).items,
                    try await tx.auditEvents(PageRequest(limit: 20)).items)
        }
        return TenantDetail(tenant: tenant, statusReason: reason, users: users, recentEvents: try await entries(events))
    }

    public func userDetail(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws -> UserDetail {
        try principal.require(.consoleRead)
        let idle = tenantSessions.idleTimeout.timeInterval
        let (tenant, user, sessions, logins) = try await db.tenant(tenantID) { tx in
            guard let tenant = try await TenantRows.find(tenantID, in: tx) else { throw SupportActionsUseCase.tenantNotFound }
            guard let user = try await UserRows.find(userID, in: tx) else {
                throw AppError(.userNotFound, "There is no such user in this tenant.")
            }
            return (tenant, user, try await SessionRows.page(of: userID, idleSeconds: idle, PageRequest(limit: 50), in: tx).items,
                    try await Self.signInEvents(of: userID, in: tx))
        }
        return UserDetail(tenant: tenant, user: user, sessions: sessions, recentLogins: try await entries(logins))
    }

    public func find(_ principal: StaffPrincipal, query: String) async throws -> FindResults {
        try principal.require(.consoleRead)
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...254).contains(text.unicodeScalars.count),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AppError.validation([FieldError(field: "q", code: "invalid_query", message: "Search for 2 to 254 characters.")])
        }
        // The one cross-tenant read of people's addresses: it is audited with what was asked.
        return try await platform.platform("console find") { tx in
            let results = try await TenantSearchRows.find(text, in: tx)
            try await tx.audit(AuditEvent(tenantID: nil, actorUserID: nil, action: "staff.searched", target: nil,
                                          requestID: principal.requestID,
                                          after: AuditJSON.encode(["query": text, "tenants": String(results.tenants.count),
                                                                   "users": String(results.users.count)]),
                                          actorStaffID: principal.staffID))
            return results
        }
    }

    public func auditLog(_ principal: StaffPrincipal, query: AuditQuery, page: PageRequest) async throws -> Page<AuditEntry> {
        try principal.require(.consoleRead)
        let events = try await platform.platform("console audit log") { tx in
            guard let filter = try await AuditLabels.filter(query, in: tx) else { return Page<AuditEvent>(fetched: [], limit: 1, id: \.id) }
            return try await tx.auditEvents(filter, page)
        }
        let labelled = try await entries(events.items)
        let byID = Dictionary(uniqueKeysWithValues: labelled.map { ($0.event.id, $0) })
        return events.map { event in byID[event.id] ?? AuditEntry(event: event, actorKind: .system, actorEmail: nil) }
    }

    /// The user's recent sign-in events: successes name them as the actor, failures and MFA
    /// steps as the target; both, newest first.
    private static func signInEvents(of userID: UserID, in tx: TenantTransaction) async throws -> [AuditEvent] {
        let asActor = try await tx.auditEvents(AuditFilter(actorIDs: [userID.rawValue], action: "session."), PageRequest(limit: 20))
        let asTarget = try await tx.auditEvents(AuditFilter(action: "session.", target: "user/\(userID)"), PageRequest(limit: 20))
        var seen = Set<UUID>()
        return (asActor.items + asTarget.items).filter { seen.insert($0.id).inserted }
            .sorted { $0.id.uuidString > $1.id.uuidString }.prefix(20).map { $0 }
    }

    /// Names each event's actor (one query for all of them).
    private func entries(_ events: [AuditEvent]) async throws -> [AuditEntry] {
        try await platform.platform("console audit actors") { tx in try await AuditLabels.entries(events, in: tx) }
    }

    // MARK: Support: changes

    public func setTenantStatus(_ principal: StaffPrincipal, id: TenantID, status: Tenant.Status, reason: String,
                                expectedVersion: Int) async throws -> Tenant {
        try await actions.setTenantStatus(principal, id: id, status: status, reason: reason, expectedVersion: expectedVersion)
    }

    public func setUserLock(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, locked: Bool, reason: String,
                            expectedVersion: Int) async throws -> User {
        try await actions.setUserLock(principal, tenantID: tenantID, userID: userID, locked: locked, reason: reason,
                                      expectedVersion: expectedVersion)
    }

    public func endSessions(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String) async throws -> Int {
        try await actions.endSessions(principal, tenantID: tenantID, userID: userID, reason: reason)
    }

    public func sendPasswordReset(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try await actions.sendPasswordReset(principal, tenantID: tenantID, userID: userID)
    }

    public func resendVerification(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try await actions.resendVerification(principal, tenantID: tenantID, userID: userID)
    }

    public func recordAction(_ principal: StaffPrincipal, tenantID: TenantID?, action: String, target: String,
                             reason: String?) async throws {
        try await platform.platform("audit staff action") { tx in
            try await tx.audit(AuditEvent(tenantID: tenantID, actorUserID: nil, action: action, target: target,
                                          requestID: principal.requestID, actorStaffID: principal.staffID, reason: reason))
        }
    }

    private var actions: SupportActionsUseCase { SupportActionsUseCase(db: db) }
}
