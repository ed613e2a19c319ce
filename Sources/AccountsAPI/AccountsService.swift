public import Foundation
public import Kernel

/// The Accounts module's public face: tenants, users, sessions.
///
/// Every call made on behalf of a user takes the `Principal`; the tenant comes from it and
/// nowhere else, and the module checks the permission the call needs (the HTTP edge checks
/// it too, per route). A record of another tenant is `.notFound`, never `.forbidden`.
public protocol AccountsService: Sendable {
    /// Creates a tenant without an owner and publishes `TenantCreated` in the same transaction
    /// (operators; sign-up is `signUp`).
    func createTenant(_ request: CreateTenant) async throws -> Tenant

    /// The tenant, or `nil`.
    func tenant(_ id: TenantID) async throws -> Tenant?

    /// Creates the tenant and its owner in one transaction and publishes `TenantSignedUp`.
    /// With `idempotency`, the rendered response is recorded in that same transaction.
    func signUp(_ request: SignUp, idempotency: IdempotentCompletion<SignUpResult>?) async throws -> SignUpResult

    /// Checks the credentials and starts a session, or (MFA on) returns a challenge to answer
    /// with `completeMFAChallenge`. Every failure is `.invalidCredentials`.
    func logIn(_ request: LogIn) async throws -> LogInOutcome

    /// Answers an MFA challenge with a TOTP or recovery code and starts the session.
    func completeMFAChallenge(_ answer: MFAChallengeAnswer) async throws -> NewSession

    /// The principal behind a bearer token (a session's or an API key's), or `nil` if the token
    /// is unknown, revoked or its session ended.
    func authenticate(token: String, requestID: String) async throws -> Principal?

    /// Ends the caller's session.
    func logOut(_ principal: Principal) async throws
    /// One audit entry for a request made during a staff member's "view as" (`principal.impersonation`).
    func recordImpersonatedRequest(_ principal: Principal, method: String, path: String, status: Int) async throws

    /// The caller's live sessions; ending one of them.
    func sessions(_ principal: Principal, page: PageRequest) async throws -> Page<SessionInfo>
    func endSession(_ principal: Principal, id: SessionID) async throws

    // MARK: Own account

    /// Changes the caller's password; their other sessions end and a notice is sent.
    func changePassword(_ principal: Principal, current: String, new: String) async throws
    /// Sends a confirmation link to `email`; the address changes when it is confirmed.
    func requestEmailChange(_ principal: Principal, email: String, password: String) async throws -> PendingEmailChange
    /// Sends a new confirmation link for the caller's current address.
    func resendEmailVerification(_ principal: Principal) async throws
    /// Confirms an address with the token from its email; returns the address.
    func confirmEmail(token: String, requestID: String) async throws -> (email: String, verifiedAt: Date)

    /// Emails a reset link if the account exists and is active; says nothing either way.
    func requestPasswordReset(tenantSlug: String, email: String, source: String, requestID: String) async throws
    /// Sets a new password with the token from the reset email; every session ends.
    func confirmPasswordReset(token: String, password: String, requestID: String) async throws

    // MARK: MFA

    func startTOTPEnrolment(_ principal: Principal) async throws -> TOTPEnrolment
    /// Turns MFA on; returns the 10 recovery codes, shown once.
    func confirmTOTPEnrolment(_ principal: Principal, code: String) async throws -> [String]
    func disableMFA(_ principal: Principal, code: String) async throws
    func regenerateRecoveryCodes(_ principal: Principal, code: String) async throws -> [String]

    // MARK: Tenant

    func tenant(_ principal: Principal) async throws -> Tenant
    func updateTenant(_ principal: Principal, expectedVersion: Int?, change: TenantChange) async throws -> Tenant

    // MARK: Invitations

    /// Needs a verified address (as does `createAPIKey`): `.emailUnverified` until then.
    func invite(_ principal: Principal, email: String, role: Role,
                idempotency: IdempotentCompletion<Invitation>?) async throws -> Invitation
    func invitations(_ principal: Principal, page: PageRequest) async throws -> Page<Invitation>
    func revokeInvitation(_ principal: Principal, id: InvitationID) async throws
    /// Creates the invited user (their address counts as verified: the token reached it).
    func acceptInvitation(_ request: AcceptInvitation) async throws -> (tenant: Tenant, user: User)

    // MARK: API keys

    func createAPIKey(_ principal: Principal, name: String, permissions: Set<Permission>) async throws -> NewAPIKey
    func apiKeys(_ principal: Principal, page: PageRequest) async throws -> Page<APIKey>
    func revokeAPIKey(_ principal: Principal, id: APIKeyID) async throws

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
