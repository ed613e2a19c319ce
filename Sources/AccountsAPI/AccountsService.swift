public import Kernel

/// The Accounts module's public face: tenants, users, sessions.
///
/// Every call made on behalf of a user takes the `Principal`; the tenant comes from it and
/// nowhere else, and the module checks the permission the call needs (the HTTP edge checks
/// it too, per route). A record of another tenant is `.notFound`, never `.forbidden`.
public protocol AccountsService: Sendable {
    /// Creates a tenant and publishes `TenantCreated` in the same transaction (operators).
    func createTenant(_ request: CreateTenant) async throws -> Tenant

    /// The tenant, or `nil`.
    func tenant(_ id: TenantID) async throws -> Tenant?

    /// Creates the tenant and its owner in one transaction and publishes `TenantSignedUp`.
    /// With `idempotency`, the rendered response is recorded in that same transaction.
    func signUp(_ request: SignUp, idempotency: IdempotentCompletion<SignUpResult>?) async throws -> SignUpResult

    /// Checks the credentials and starts a session. Every failure is `.invalidCredentials`.
    func logIn(_ request: LogIn) async throws -> NewSession

    /// The principal behind a bearer token, or `nil` if the token is unknown or its session ended.
    func authenticate(token: String, requestID: String) async throws -> Principal?

    /// Ends the caller's session.
    func logOut(_ principal: Principal) async throws

    /// The caller and their tenant.
    func me(_ principal: Principal) async throws -> (user: User, tenant: Tenant)

    func users(_ principal: Principal, page: PageRequest) async throws -> Page<User>
    func user(_ principal: Principal, id: UserID) async throws -> User
    /// Applies `change` if the user is still at `expectedVersion` (`nil`: whatever version it is
    /// at, as `If-Match: *` asks). Deactivating ends their sessions.
    func updateUser(_ principal: Principal, id: UserID, expectedVersion: Int?, change: UserChange) async throws -> User
    func deleteUser(_ principal: Principal, id: UserID, expectedVersion: Int?) async throws

    /// The tenant's audit log, newest first.
    func auditEvents(_ principal: Principal, page: PageRequest) async throws -> Page<AuditEvent>
}
