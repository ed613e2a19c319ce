public import AccountsAPI
public import Kernel
public import PasswordHashing
public import Storage

/// The implementation of `AccountsService`; only the composition root creates it.
public struct AccountsModule: AccountsService {
    let db: Database
    let platform: PlatformDatabase
    let hasher: PasswordHasher
    let sessions: SessionPolicy
    let dummyHash = DummyHash()

    /// `platform` is used for the two reads that come before any tenant is known: the tenant
    /// named at login, and the session behind a bearer token.
    public init(db: Database, platform: PlatformDatabase, hasher: PasswordHasher, sessions: SessionPolicy = .init()) {
        self.db = db
        self.platform = platform
        self.hasher = hasher
        self.sessions = sessions
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

    public func logIn(_ request: LogIn) async throws -> NewSession {
        try await LogInUseCase(db: db, platform: platform, hasher: hasher, sessions: sessions, dummyHash: dummyHash)(request)
    }

    public func authenticate(token: String, requestID: String) async throws -> Principal? {
        try await AuthenticateUseCase(db: db, platform: platform, sessions: sessions)(token: token, requestID: requestID)
    }

    public func logOut(_ principal: Principal) async throws {
        try await db.tenant(principal.tenantID) { tx in
            try await SessionRows.delete(principal.sessionID, in: tx)
            try await tx.audit(AuditEvent(tenantID: tx.tenantID, actorUserID: principal.userID, action: "session.logged_out",
                                          target: "session/\(principal.sessionID)", requestID: principal.requestID))
        }
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
