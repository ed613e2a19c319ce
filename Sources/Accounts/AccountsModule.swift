public import AccountsAPI
public import Foundation
public import Kernel
public import PasswordHashing
public import Storage

/// The implementation of `AccountsService`; only the composition root creates it.
public struct AccountsModule: AccountsService {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let sessionPolicy: SessionPolicy
    let dummyHash = DummyHash()

    /// `platform` is used for the two reads that come before any tenant is known: the tenant
    /// named at login, and the session behind a bearer token.
    public init(db: Database, platform: PlatformDatabase, hasher: PasswordHasher, sessions: SessionPolicy = .init()) {
        self.db = db
        self.platform = platform
        self.hasher = hasher
        self.sessionPolicy = sessions
    }

    public func createTenant(_ request: CreateTenant) async throws -> Tenant {
        try await CreateTenantUseCase(db: db)(request)
    }

    public func tenant(_ id: TenantID) async throws -> Tenant? {
        try await db.tenant(id) { tx in try await TenantRows.find(id, in: tx) }
    }

    public func signUp(_ request: SignUp, idempotency: IdempotentCompletion<SignUpResult>?) async throws -> SignUpResult {
        try await SignUpUseCase(db: db, hasher: hasher, policy: .standard)(request, idempotency: idempotency)
    }

    public func logIn(_ request: LogIn) async throws -> LogInOutcome {
        try await LogInUseCase(db: db, platform: platform, hasher: hasher, sessions: sessionPolicy, dummyHash: dummyHash)(request)
    }

    public func completeMFAChallenge(_ answer: MFAChallengeAnswer) async throws -> NewSession {
        try await mfa.complete(answer)
    }

    public func authenticate(token: String, requestID: String) async throws -> Principal? {
        try await AuthenticateUseCase(db: db, platform: platform, sessions: sessionPolicy)(token: token, requestID: requestID)
    }

    public func logOut(_ principal: Principal) async throws {
        let sessionID = try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            try await SessionRows.delete(sessionID, in: tx)
            try await tx.audit(AuditEvent(tenantID: tx.tenantID, actorUserID: principal.userID, action: "session.logged_out",
                                          target: "session/\(sessionID)", requestID: principal.requestID))
        }
    }

    public func sessions(_ principal: Principal, page: PageRequest) async throws -> Page<SessionInfo> {
        try principal.requireSession()
        let idle = Double(sessionPolicy.idleTimeout.components.seconds)
        return try await db.tenant(principal.tenantID) { tx in
            try await SessionRows.page(of: principal.userID, idleSeconds: idle, page, in: tx)
        }
    }

    public func endSession(_ principal: Principal, id: SessionID) async throws {
        try principal.requireSession()
        try await db.tenant(principal.tenantID) { tx in
            // Only the caller's own sessions: anyone else's id is as unknown as a made-up one.
            guard try await SessionRows.delete(id, of: principal.userID, in: tx) else {
                throw AppError(.sessionNotFound, "You have no session with that id.")
            }
            try await tx.audit("session.ended", by: principal, target: "session/\(id)")
        }
    }

    // MARK: Own account

    public func changePassword(_ principal: Principal, current: String, new: String) async throws {
        try await ownAccount.changePassword(principal, current: current, new: new)
    }

    public func requestEmailChange(_ principal: Principal, email: String, password: String) async throws -> PendingEmailChange {
        try await ownAccount.requestEmailChange(principal, email: email, password: password)
    }

    public func resendEmailVerification(_ principal: Principal) async throws {
        try await ownAccount.resendVerification(principal)
    }

    public func confirmEmail(token: String, requestID: String) async throws -> (email: String, verifiedAt: Date) {
        try await ownAccount.confirmEmail(token: token, requestID: requestID)
    }

    public func requestPasswordReset(tenantSlug: String, email: String, source: String, requestID: String) async throws {
        try await passwordReset.request(tenantSlug: tenantSlug, email: email, source: source, requestID: requestID)
    }

    public func confirmPasswordReset(token: String, password: String, requestID: String) async throws {
        try await passwordReset.confirm(token: token, password: password, requestID: requestID)
    }

    // MARK: MFA

    public func startTOTPEnrolment(_ principal: Principal) async throws -> TOTPEnrolment {
        try await mfa.start(principal)
    }

    public func confirmTOTPEnrolment(_ principal: Principal, code: String) async throws -> [String] {
        try await mfa.confirm(principal, code: code)
    }

    public func disableMFA(_ principal: Principal, code: String) async throws {
        try await mfa.disable(principal, code: code)
    }

    public func regenerateRecoveryCodes(_ principal: Principal, code: String) async throws -> [String] {
        try await mfa.regenerateRecoveryCodes(principal, code: code)
    }

    // MARK: Tenant

    public func tenant(_ principal: Principal) async throws -> Tenant {
        guard let tenant = try await db.tenant(principal.tenantID, { tx in try await TenantRows.find(tx.tenantID, in: tx) }) else {
            throw AccountErrors.gone
        }
        return tenant
    }

    public func updateTenant(_ principal: Principal, expectedVersion: Int?, change: TenantChange) async throws -> Tenant {
        try await TenantSettingsUseCase(db: db).update(principal, expectedVersion: expectedVersion, change: change)
    }

    // MARK: Invitations

    public func invite(_ principal: Principal, email: String, role: Role,
                       idempotency: IdempotentCompletion<Invitation>?) async throws -> Invitation {
        try await invitationFlow.invite(principal, email: email, role: role, idempotency: idempotency)
    }

    public func invitations(_ principal: Principal, page: PageRequest) async throws -> Page<Invitation> {
        try await invitationFlow.list(principal, page: page)
    }

    public func revokeInvitation(_ principal: Principal, id: InvitationID) async throws {
        try await invitationFlow.revoke(principal, id: id)
    }

    public func acceptInvitation(_ request: AcceptInvitation) async throws -> (tenant: Tenant, user: User) {
        try await invitationFlow.accept(request)
    }

    // MARK: API keys

    public func createAPIKey(_ principal: Principal, name: String, permissions: Set<Permission>) async throws -> NewAPIKey {
        try await APIKeysUseCase(db: db).create(principal, name: name, permissions: permissions)
    }

    public func apiKeys(_ principal: Principal, page: PageRequest) async throws -> Page<APIKey> {
        try await APIKeysUseCase(db: db).list(principal, page: page)
    }

    public func revokeAPIKey(_ principal: Principal, id: APIKeyID) async throws {
        try await APIKeysUseCase(db: db).revoke(principal, id: id)
    }

    // MARK: Use cases

    private var mfa: MFAUseCase { MFAUseCase(db: db, platform: platform, sessions: sessionPolicy) }
    private var ownAccount: OwnAccountUseCase {
        OwnAccountUseCase(db: db, platform: platform, hasher: hasher, policy: .standard)
    }
    private var passwordReset: PasswordResetUseCase {
        PasswordResetUseCase(db: db, platform: platform, hasher: hasher, policy: .standard)
    }
    private var invitationFlow: InvitationsUseCase {
        InvitationsUseCase(db: db, platform: platform, hasher: hasher, policy: .standard)
    }

    public func me(_ principal: Principal) async throws -> (user: User, tenant: Tenant) {
        try await db.tenant(principal.tenantID) { tx in
            guard let user = try await UserRows.find(principal.userID, in: tx),
                  let tenant = try await TenantRows.find(principal.tenantID, in: tx) else {
                throw AppError(.unauthenticated, "The session has ended.")
            }
            return (user, tenant)
        }
    }

    public func users(_ principal: Principal, page: PageRequest) async throws -> Page<User> {
        try principal.require(.usersRead)
        return try await db.tenant(principal.tenantID) { tx in try await UserRows.page(page, in: tx) }
    }

    public func user(_ principal: Principal, id: UserID) async throws -> User {
        try principal.require(.usersRead)
        guard let user = try await db.tenant(principal.tenantID, { tx in try await UserRows.find(id, in: tx) }) else {
            throw AppError(.userNotFound, "There is no such user.")
        }
        return user
    }

    public func updateUser(_ principal: Principal, id: UserID, expectedVersion: Int?, change: UserChange) async throws -> User {
        try await ManageUsersUseCase(db: db).update(principal, id: id, expectedVersion: expectedVersion, change: change)
    }

    public func deleteUser(_ principal: Principal, id: UserID, expectedVersion: Int?) async throws {
        try await ManageUsersUseCase(db: db).delete(principal, id: id, expectedVersion: expectedVersion)
    }

    public func auditEvents(_ principal: Principal, page: PageRequest) async throws -> Page<AuditEvent> {
        try principal.require(.auditRead)
        return try await db.tenant(principal.tenantID) { tx in try await tx.auditEvents(page) }
    }
}
