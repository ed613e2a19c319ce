public import AccountsAPI
public import Kernel
public import PasswordHashing
public import Storage

/// The implementation of `StaffService` and `SupportService`: the platform's own people and
/// what they do to tenants. Only the composition root creates it. A thin facade, like
/// `AccountsModule`: each method hands its call to one use case (`UseCases/Staff`,
/// `UseCases/Support`).
public struct StaffModule: StaffService, SupportService {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let consoleSessions: StaffSessionPolicy
    let tenantSessions: SessionPolicy
    let passwords = PasswordPolicy.standard
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
        try await CreateStaffUseCase(platform: platform, hasher: hasher)(email: email, name: name, role: role, by: actor)
    }

    public func inviteStaff(email: String, name: String, role: StaffRole, by actor: StaffPrincipal) async throws -> StaffMember {
        try await InviteStaffUseCase(platform: platform, hasher: hasher)(email: email, name: name, role: role, by: actor)
    }

    public func acceptInvitation(token: String, source: String, userAgent: String?, requestID: String) async throws -> StaffSignIn {
        try await AcceptStaffInvitationUseCase(platform: platform, policy: consoleSessions)(token: token, source: source,
                                                                                           userAgent: userAgent, requestID: requestID)
    }

    public func signIn(email: String, password: String, source: String, userAgent: String?,
                       requestID: String) async throws -> StaffSignIn {
        try await StaffSignInUseCase(platform: platform, hasher: hasher, policy: consoleSessions, dummyHash: dummyHash)(
            email: email, password: password, source: source, userAgent: userAgent, requestID: requestID)
    }

    public func session(token: String, requestID: String) async throws -> StaffSession? {
        try await ResumeStaffSessionUseCase(platform: platform, policy: consoleSessions)(token: token, requestID: requestID)
    }

    public func confirmSignIn(token: String, code: String, requestID: String) async throws -> StaffSignIn {
        try await ConfirmStaffSignInUseCase(platform: platform, policy: consoleSessions)(token: token, code: code,
                                                                                        requestID: requestID)
    }

    public func pendingEnrolment(token: String) async throws -> TOTPEnrolment {
        try await GetStaffEnrolmentUseCase(platform: platform, policy: consoleSessions)(token: token)
    }

    public func completeSetup(token: String, newPassword: String, code: String, requestID: String) async throws -> StaffSignIn {
        try await CompleteStaffSetupUseCase(platform: platform, hasher: hasher, policy: consoleSessions, passwords: passwords)(
            token: token, newPassword: newPassword, code: code, requestID: requestID)
    }

    public func signOut(token: String, requestID: String) async throws {
        try await StaffSignOutUseCase(platform: platform)(token: token, requestID: requestID)
    }

    public func staff(_ principal: StaffPrincipal) async throws -> [StaffMember] {
        try await ListStaffUseCase(platform: platform)(principal)
    }

    public func changeStaffRole(_ principal: StaffPrincipal, id: StaffID, role: StaffRole,
                                expectedVersion: Int) async throws -> StaffMember {
        try await ChangeStaffRoleUseCase(platform: platform)(principal, id: id, role: role, expectedVersion: expectedVersion)
    }

    public func deactivateStaff(_ principal: StaffPrincipal, id: StaffID, expectedVersion: Int) async throws -> StaffMember {
        try await DeactivateStaffUseCase(platform: platform)(principal, id: id, expectedVersion: expectedVersion)
    }

    public func resetStaff(_ principal: StaffPrincipal, id: StaffID, reason: String, expectedVersion: Int) async throws -> NewStaffMember {
        try await ResetStaffMemberUseCase(platform: platform, hasher: hasher)(principal, id: id, reason: reason,
                                                                             expectedVersion: expectedVersion)
    }

    public func confirmSignIn(token: String, recoveryCode: String, requestID: String) async throws -> StaffSignIn {
        try await ConfirmStaffSignInUseCase(platform: platform, policy: consoleSessions)(token: token, recoveryCode: recoveryCode,
                                                                                        requestID: requestID)
    }

    public func regenerateRecoveryCodes(_ principal: StaffPrincipal, code: String) async throws -> [String] {
        try await RegenerateStaffRecoveryCodesUseCase(platform: platform)(principal, code: code)
    }

    public func recoveryCodesLeft(_ principal: StaffPrincipal) async throws -> Int {
        try await platform.platform("staff recovery codes left") { tx in
            try await StaffRows.recoveryCodesLeft(principal.staffID, in: tx)
        }
    }

    // MARK: Support: reads

    public func dashboard(_ principal: StaffPrincipal) async throws -> SupportDashboard {
        try await SupportDashboardUseCase(platform: platform)(principal)
    }

    public func tenants(_ principal: StaffPrincipal, query: TenantQuery, after: String?,
                        limit: Int) async throws -> Page<TenantSummary> {
        try await SearchTenantsUseCase(platform: platform)(principal, query: query, after: after, limit: limit)
    }

    public func tenantDetail(_ principal: StaffPrincipal, id: TenantID) async throws -> TenantDetail {
        try await TenantDetailUseCase(db: db, platform: platform)(principal, id: id)
    }

    public func tenants(_ principal: StaffPrincipal, ids: [TenantID]) async throws -> [TenantID: Tenant] {
        try await TenantsByIDUseCase(platform: platform)(principal, ids: ids)
    }

    public func userDetail(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws -> UserDetail {
        try await UserDetailUseCase(db: db, platform: platform, tenantSessions: tenantSessions)(principal, tenantID: tenantID,
                                                                                               userID: userID)
    }

    public func find(_ principal: StaffPrincipal, query: String) async throws -> FindResults {
        try await FindPeopleUseCase(platform: platform)(principal, query: query)
    }

    public func auditLog(_ principal: StaffPrincipal, query: AuditQuery, page: PageRequest) async throws -> Page<AuditEntry> {
        try await AuditLogUseCase(platform: platform)(principal, query: query, page: page)
    }

    // MARK: Support: changes

    public func setTenantStatus(_ principal: StaffPrincipal, id: TenantID, status: Tenant.Status, reason: String, shareReason: Bool,
                                expectedVersion: Int) async throws -> Tenant {
        try await SetTenantStatusUseCase(db: db)(principal, id: id, status: status, reason: reason, shareReason: shareReason,
                                                 expectedVersion: expectedVersion)
    }

    public func startImpersonation(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String, code: String,
                                   minutes: Int, canWrite: Bool) async throws -> StartedImpersonation {
        try await StartImpersonationUseCase(db: db, platform: platform)(principal, tenantID: tenantID, userID: userID, reason: reason,
                                                                      code: code, minutes: minutes, canWrite: canWrite)
    }

    public func endImpersonation(_ principal: StaffPrincipal, tenantID: TenantID, sessionID: SessionID) async throws -> Bool {
        try await EndImpersonationUseCase(db: db)(principal, tenantID: tenantID, sessionID: sessionID)
    }

    public func previewBulk(_ principal: StaffPrincipal, action: BulkAction, selection: BulkSelection) async throws -> BulkPreview {
        try await PreviewBulkActionUseCase(db: db, platform: platform)(principal, action: action, selection: selection)
    }

    public func startBulk(_ principal: StaffPrincipal, action: BulkAction, selection: BulkSelection, reason: String,
                          shareReason: Bool) async throws -> BulkJobID {
        try await StartBulkJobUseCase(db: db, platform: platform)(principal, action: action, selection: selection, reason: reason,
                                                                 shareReason: shareReason)
    }

    public func bulkJob(_ principal: StaffPrincipal, id: BulkJobID) async throws -> BulkJob {
        try await GetBulkJobUseCase(platform: platform)(principal, id: id)
    }

    public func retryBulkJob(_ principal: StaffPrincipal, id: BulkJobID) async throws -> Int {
        try await RetryBulkJobUseCase(platform: platform)(principal, id: id)
    }

    /// Runs due rows of bulk jobs (a periodic task); returns how many.
    @discardableResult
    public func runBulkJobs(limit: Int = 50) async throws -> Int {
        try await RunBulkJobsUseCase(db: db, platform: platform)(limit: limit)
    }

    /// Ends the "view as" sessions past their time box (a periodic task); returns how many.
    public func endOverdueImpersonations() async throws -> Int {
        try await EndOverdueImpersonationsUseCase(db: db, platform: platform)()
    }

    public func setUserLock(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, locked: Bool, reason: String,
                            shareReason: Bool, expectedVersion: Int) async throws -> User {
        try await SetUserLockUseCase(db: db)(principal, tenantID: tenantID, userID: userID, locked: locked, reason: reason,
                                             shareReason: shareReason, expectedVersion: expectedVersion)
    }

    public func endSessions(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String) async throws -> Int {
        try await EndUserSessionsUseCase(db: db)(principal, tenantID: tenantID, userID: userID, reason: reason)
    }

    public func sendPasswordReset(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try await SendPasswordResetUseCase(db: db)(principal, tenantID: tenantID, userID: userID)
    }

    public func resendVerification(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws {
        try await ResendUserVerificationUseCase(db: db)(principal, tenantID: tenantID, userID: userID)
    }

    public func recordAction(_ principal: StaffPrincipal, tenantID: TenantID?, action: some AuditAction, target: String,
                             reason: String?) async throws {
        try await RecordStaffActionUseCase(platform: platform)(principal, tenantID: tenantID, action: action, target: target,
                                                               reason: reason)
    }
}

extension StaffModule {
    /// The columns the staff side seals (`keel secrets rotate`): members' TOTP secrets, and
    /// the one a first sign-in is setting up.
    public static let sealedColumns = [
        SealedColumn("platform.staff", "mfa_secret", row: "staff_id::text", purpose: StaffRows.totpPurpose, bytes: true,
                     tenantScoped: false),
        SealedColumn("platform.staff_sessions", "pending_secret", row: "staff_id::text", purpose: StaffRows.totpPurpose,
                     bytes: true, tenantScoped: false),
    ]
}
