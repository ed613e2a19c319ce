public import AccountsAPI
public import Foundation
public import Kernel
public import PasswordHashing
public import Storage

/// The implementation of `AccountsService`; only the composition root creates it. A thin
/// facade: each method hands its call to one use case (`UseCases/`), which owns the rules.
public struct AccountsModule: AccountsService, TenantDirectory {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let sessionPolicy: SessionPolicy
    let passwords = PasswordPolicy.standard
    let dummyHash = DummyHash()
    let touches = TouchesInFlight()

    /// `platform` is for the reads that come before any tenant is known (the tenant a login or
    /// a password reset names; the session, API key or emailed token a request presents) and
    /// for audit entries that belong to no tenant. Everything after them runs in the tenant's
    /// transaction. The clock is `db`'s (`Database.clock`).
    public init(db: Database, platform: PlatformDatabase, hasher: PasswordHasher, sessions: SessionPolicy = .init()) {
        self.db = db
        self.platform = platform
        self.hasher = hasher
        self.sessionPolicy = sessions
    }

    /// Registers Accounts' reactions to other modules' events (Billing's subscription status and
    /// plan seats, Orders' extra seats).
    public func subscribe(into subscriptions: inout EventSubscriptions) {
        BillingStatusSubscriptions().register(into: &subscriptions)
        OrderSeatSubscriptions().register(into: &subscriptions)
    }

    // MARK: Tenants

    public func createTenant(_ request: CreateTenant) async throws -> Tenant {
        try await CreateTenantUseCase(db: db)(request)
    }

    public func tenant(_ id: TenantID) async throws -> Tenant? {
        try await FindTenantUseCase(db: db)(id)
    }

    public func signUp(_ request: SignUp, idempotency: IdempotentCompletion<SignUpResult>?) async throws -> SignUpResult {
        try await SignUpUseCase(db: db, hasher: hasher, policy: passwords)(request, idempotency: idempotency)
    }

    public func tenant(_ principal: Principal) async throws -> Tenant {
        try await GetOwnTenantUseCase(db: db)(principal)
    }

    public func updateTenant(_ principal: Principal, expectedVersion: Int?, change: TenantChange) async throws -> Tenant {
        try await UpdateTenantUseCase(db: db)(principal, expectedVersion: expectedVersion, change: change)
    }

    // MARK: Sessions

    public func logIn(_ request: LogIn) async throws -> LogInOutcome {
        try await LogInUseCase(db: db, platform: platform, hasher: hasher, sessions: sessionPolicy, dummyHash: dummyHash)(request)
    }

    public func completeMFAChallenge(_ answer: MFAChallengeAnswer) async throws -> NewSession {
        try await CompleteMFAChallengeUseCase(db: db, platform: platform, sessions: sessionPolicy)(answer)
    }

    public func authenticate(token: String, requestID: String) async throws -> Principal? {
        try await AuthenticateUseCase(db: db, platform: platform, sessions: sessionPolicy, touches: touches)(token: token, requestID: requestID)
    }

    public func logOut(_ principal: Principal) async throws {
        try await LogOutUseCase(db: db)(principal)
    }

    public func recordImpersonatedRequest(_ principal: Principal, method: String, path: String, status: Int) async throws {
        try await RecordImpersonatedRequestUseCase(db: db)(principal, method: method, path: path, status: status)
    }

    public func sessions(_ principal: Principal, page: PageRequest) async throws -> Page<SessionInfo> {
        try await ListSessionsUseCase(db: db, sessions: sessionPolicy)(principal, page: page)
    }

    public func endSession(_ principal: Principal, id: SessionID) async throws {
        try await EndSessionUseCase(db: db)(principal, id: id)
    }

    // MARK: Own account

    public func me(_ principal: Principal) async throws -> (user: User, tenant: Tenant) {
        try await GetMeUseCase(db: db)(principal)
    }

    public func changePassword(_ principal: Principal, current: String, new: String) async throws {
        try await ChangePasswordUseCase(db: db, hasher: hasher, policy: passwords)(principal, current: current, new: new)
    }

    public func requestEmailChange(_ principal: Principal, email: String, password: String) async throws -> PendingEmailChange {
        try await RequestEmailChangeUseCase(db: db, hasher: hasher)(principal, email: email, password: password)
    }

    public func resendEmailVerification(_ principal: Principal) async throws {
        try await ResendVerificationUseCase(db: db)(principal)
    }

    public func confirmEmail(token: String, requestID: String) async throws -> (email: String, verifiedAt: Date) {
        try await ConfirmEmailUseCase(db: db, platform: platform)(token: token, requestID: requestID)
    }

    public func requestPasswordReset(tenantSlug: String, email: String, source: String, requestID: String) async throws {
        try await RequestPasswordResetUseCase(db: db, platform: platform)(tenantSlug: tenantSlug, email: email, source: source,
                                                                          requestID: requestID)
    }

    public func confirmPasswordReset(token: String, password: String, requestID: String) async throws {
        try await ConfirmPasswordResetUseCase(db: db, platform: platform, hasher: hasher, policy: passwords)(
            token: token, password: password, requestID: requestID)
    }

    // MARK: MFA

    public func startTOTPEnrolment(_ principal: Principal) async throws -> TOTPEnrolment {
        try await StartTOTPEnrolmentUseCase(db: db)(principal)
    }

    public func confirmTOTPEnrolment(_ principal: Principal, code: String) async throws -> [String] {
        try await ConfirmTOTPEnrolmentUseCase(db: db)(principal, code: code)
    }

    public func disableMFA(_ principal: Principal, code: String) async throws {
        try await DisableMFAUseCase(db: db)(principal, code: code)
    }

    public func regenerateRecoveryCodes(_ principal: Principal, code: String) async throws -> [String] {
        try await RegenerateRecoveryCodesUseCase(db: db)(principal, code: code)
    }

    // MARK: Invitations

    public func invite(_ principal: Principal, email: String, role: Role,
                       idempotency: IdempotentCompletion<Invitation>?) async throws -> Invitation {
        try await InviteUseCase(db: db)(principal, email: email, role: role, idempotency: idempotency)
    }

    public func invitations(_ principal: Principal, page: PageRequest) async throws -> Page<Invitation> {
        try await ListInvitationsUseCase(db: db)(principal, page: page)
    }

    public func revokeInvitation(_ principal: Principal, id: InvitationID) async throws {
        try await RevokeInvitationUseCase(db: db)(principal, id: id)
    }

    public func acceptInvitation(_ request: AcceptInvitation) async throws -> (tenant: Tenant, user: User) {
        try await AcceptInvitationUseCase(db: db, platform: platform, hasher: hasher, policy: passwords)(request)
    }

    // MARK: API keys

    public func createAPIKey(_ principal: Principal, name: String, permissions: Set<Permission>) async throws -> NewAPIKey {
        try await CreateAPIKeyUseCase(db: db)(principal, name: name, permissions: permissions)
    }

    public func apiKeys(_ principal: Principal, page: PageRequest) async throws -> Page<APIKey> {
        try await ListAPIKeysUseCase(db: db)(principal, page: page)
    }

    public func revokeAPIKey(_ principal: Principal, id: APIKeyID) async throws {
        try await RevokeAPIKeyUseCase(db: db)(principal, id: id)
    }

    // MARK: Users

    public func users(_ principal: Principal, page: PageRequest) async throws -> Page<User> {
        try await ListUsersUseCase(db: db)(principal, page: page)
    }

    public func user(_ principal: Principal, id: UserID) async throws -> User {
        try await GetUserUseCase(db: db)(principal, id: id)
    }

    public func updateUser(_ principal: Principal, id: UserID, expectedVersion: Int?, change: UserChange) async throws -> User {
        try await UpdateUserUseCase(db: db)(principal, id: id, expectedVersion: expectedVersion, change: change)
    }

    public func deleteUser(_ principal: Principal, id: UserID, expectedVersion: Int?) async throws {
        try await DeleteUserUseCase(db: db)(principal, id: id, expectedVersion: expectedVersion)
    }

    public func auditEvents(_ principal: Principal, page: PageRequest) async throws -> Page<AuditEvent> {
        try await ListAuditEventsUseCase(db: db)(principal, page: page)
    }

    // MARK: TenantDirectory

    public func owners(of tenantID: TenantID) async throws -> (tenantName: String, owners: [User]) {
        try await ListOwnersUseCase(db: db)(tenantID)
    }
}

extension AccountsModule {
    /// The columns Accounts seals (`keel secrets rotate`): users' TOTP secrets, and the
    /// tokens its email events carry in the outbox.
    public static let sealedColumns = [
        SealedColumn("accounts.users", "mfa_secret", row: "user_id::text", purpose: MFARows.purpose, bytes: true),
        SealedColumn("accounts.users", "mfa_pending_secret", row: "user_id::text", purpose: MFARows.purpose, bytes: true),
        SealedColumn("platform.outbox", "payload", row: "lower(payload->>'email')", purpose: EmailedToken.purpose, jsonKey: "token",
                     filter: "event_type in ('\(EmailVerificationRequested.eventType)', '\(PasswordResetRequested.eventType)', "
                         + "'\(InvitationCreated.eventType)', '\(StaffInvited.eventType)')"),
    ]
}
