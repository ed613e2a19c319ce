public import Kernel

/// Staff and their console sessions: the other half of Accounts, for the platform's own people.
///
/// Sign-in is a password, then TOTP (mandatory). A member created with a one-time password
/// first chooses their own and enrols TOTP (`completeSetup`). Each step that completes
/// sign-in issues a new token, so a token seen before sign-in is worth nothing after it.
public protocol StaffService: Sendable {
    /// Creates a staff member with a one-time password. `actor` is `nil` for the operator's
    /// `keel staff create`.
    func createStaff(email: String, name: String, role: StaffRole, by actor: StaffPrincipal?) async throws -> NewStaffMember
    /// Invites a staff member by email: a one-time link (48 hours) to their first sign-in.
    func inviteStaff(email: String, name: String, role: StaffRole, by actor: StaffPrincipal) async throws -> StaffMember
    /// The invitation link: opens the first sign-in (the `setup` stage). Refused once used or expired.
    func acceptInvitation(token: String, source: String, userAgent: String?, requestID: String) async throws -> StaffSignIn

    /// Checks the password and opens a session at the `mfa` or `setup` stage. Every failure is
    /// the same `unauthenticated` error.
    func signIn(email: String, password: String, source: String, userAgent: String?,
                requestID: String) async throws -> StaffSignIn
    /// The session behind a cookie, if it has not ended (idle and absolute timeouts).
    func session(token: String, requestID: String) async throws -> StaffSession?
    /// The `mfa` stage: a current TOTP code, used once. Returns the new, active session.
    func confirmSignIn(token: String, code: String, requestID: String) async throws -> StaffSignIn
    /// The `mfa` stage with one of the member's recovery codes instead (each works once).
    func confirmSignIn(token: String, recoveryCode: String, requestID: String) async throws -> StaffSignIn
    /// New recovery codes for the signed-in member (the old ones stop working), after a fresh
    /// TOTP code; shown once.
    func regenerateRecoveryCodes(_ principal: StaffPrincipal, code: String) async throws -> [String]
    /// How many of the member's recovery codes are unused.
    func recoveryCodesLeft(_ principal: StaffPrincipal) async throws -> Int
    /// The `setup` stage's secret to enrol (created at sign-in, shown until confirmed).
    func pendingEnrolment(token: String) async throws -> TOTPEnrolment
    /// The `setup` stage: a new password and a code from the enrolled secret.
    func completeSetup(token: String, newPassword: String, code: String, requestID: String) async throws -> StaffSignIn
    func signOut(token: String, requestID: String) async throws

    func staff(_ principal: StaffPrincipal) async throws -> [StaffMember]
    func changeStaffRole(_ principal: StaffPrincipal, id: StaffID, role: StaffRole,
                         expectedVersion: Int) async throws -> StaffMember
    /// Deactivates a member and ends their sessions. No one deactivates themselves, and the
    /// last active admin stays.
    func deactivateStaff(_ principal: StaffPrincipal, id: StaffID, expectedVersion: Int) async throws -> StaffMember
    /// An admin resets another member who lost their password or authenticator: a new one-time
    /// password (shown once), their TOTP and recovery codes cleared, their sessions ended. They
    /// sign in afresh and set up a password and TOTP again. Audited with the reason.
    func resetStaff(_ principal: StaffPrincipal, id: StaffID, reason: String, expectedVersion: Int) async throws -> NewStaffMember
}
