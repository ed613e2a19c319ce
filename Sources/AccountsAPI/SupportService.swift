public import Foundation
public import Kernel

/// What support staff do to tenants and their users. Reads span tenants (the platform path);
/// every change runs in the tenant's own transaction and writes an audit entry naming the
/// staff member and their reason.
public protocol SupportService: Sendable {
    func dashboard(_ principal: StaffPrincipal) async throws -> SupportDashboard

    /// One page of tenants in `query.sort` order; `after` is a `nextCursor` of the same query.
    func tenants(_ principal: StaffPrincipal, query: TenantQuery, after: String?, limit: Int) async throws -> Page<TenantSummary>
    func tenantDetail(_ principal: StaffPrincipal, id: TenantID) async throws -> TenantDetail
    /// These tenants, by id, in one read (another module's list names the tenants on it).
    func tenants(_ principal: StaffPrincipal, ids: [TenantID]) async throws -> [TenantID: Tenant]
    /// Suspends or reactivates a tenant. A suspended tenant's people cannot sign in and its
    /// sessions and keys stop working; its owners are emailed, with the reason if `shareReason`.
    func setTenantStatus(_ principal: StaffPrincipal, id: TenantID, status: Tenant.Status, reason: String, shareReason: Bool,
                         expectedVersion: Int) async throws -> Tenant

    func userDetail(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws -> UserDetail

    /// A bulk action's dry run: how many rows, the first ten. Changes nothing.
    func previewBulk(_ principal: StaffPrincipal, action: BulkAction, selection: BulkSelection) async throws -> BulkPreview
    /// Confirms a bulk action with a reason: a background job, each row its own audited change.
    func startBulk(_ principal: StaffPrincipal, action: BulkAction, selection: BulkSelection, reason: String,
                   shareReason: Bool) async throws -> BulkJobID
    func bulkJob(_ principal: StaffPrincipal, id: BulkJobID) async throws -> BulkJob
    /// Runs the job's failed rows again (never those done); returns how many.
    func retryBulkJob(_ principal: StaffPrincipal, id: BulkJobID) async throws -> Int
    /// "View as" the user: after a fresh TOTP code, with a reason, for 1–60 minutes; read-only
    /// unless `canWrite`. Returns the API token, shown once.
    func startImpersonation(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String, code: String,
                            minutes: Int, canWrite: Bool) async throws -> StartedImpersonation
    /// Ends a "view as" now; `false` when it had ended already.
    func endImpersonation(_ principal: StaffPrincipal, tenantID: TenantID, sessionID: SessionID) async throws -> Bool
    /// Locks (or unlocks) a user: a locked user cannot sign in, and locking ends their sessions.
    /// A locked user is emailed, with the reason if `shareReason`.
    func setUserLock(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, locked: Bool, reason: String,
                     shareReason: Bool, expectedVersion: Int) async throws -> User
    /// Ends every session of the user; returns how many there were.
    func endSessions(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID, reason: String) async throws -> Int
    func sendPasswordReset(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws
    func resendVerification(_ principal: StaffPrincipal, tenantID: TenantID, userID: UserID) async throws

    /// Tenants by slug or name, users by email, across tenants. Audited: the search is the one
    /// cross-tenant read of people's addresses.
    func find(_ principal: StaffPrincipal, query: String) async throws -> FindResults
    func auditLog(_ principal: StaffPrincipal, query: AuditQuery, page: PageRequest) async throws -> Page<AuditEntry>
    /// Records a staff action taken in another module (retrying an email).
    func recordAction(_ principal: StaffPrincipal, tenantID: TenantID?, action: some AuditAction, target: String,
                      reason: String?) async throws
}

public struct SupportDashboard: Sendable, Equatable {
    public let tenants: Int
    public let suspendedTenants: Int
    public let users: Int
    public let signUpsLast7Days: Int
    public let failedLoginsLast24Hours: Int

    public init(tenants: Int, suspendedTenants: Int, users: Int, signUpsLast7Days: Int, failedLoginsLast24Hours: Int) {
        self.tenants = tenants
        self.suspendedTenants = suspendedTenants
        self.users = users
        self.signUpsLast7Days = signUpsLast7Days
        self.failedLoginsLast24Hours = failedLoginsLast24Hours
    }
}

/// The tenants list's search, filters and order.
public struct TenantQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case newest, oldest, name, slug
    }
    /// Matches slug, name or an owner's email (case-insensitive substring).
    public var text: String?
    public var status: Tenant.Status?
    public var createdFrom: Date?
    /// Exclusive.
    public var createdBefore: Date?
    public var sort: Sort

    public init(text: String? = nil, status: Tenant.Status? = nil, createdFrom: Date? = nil,
                createdBefore: Date? = nil, sort: Sort = .newest) {
        self.text = text
        self.status = status
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.sort = sort
    }
}

/// A row of the tenants list.
public struct TenantSummary: Sendable, Equatable {
    public let tenant: Tenant
    public let ownerEmail: String?
    public let users: Int

    public init(tenant: Tenant, ownerEmail: String?, users: Int) {
        self.tenant = tenant
        self.ownerEmail = ownerEmail
        self.users = users
    }
}

public struct TenantDetail: Sendable {
    public let tenant: Tenant
    public let statusReason: String?
    public let users: [User]
    public let recentEvents: [AuditEntry]
    /// The plan's seats (nil: unlimited), the extra seats bought, the active people.
    public let seats: (limit: Int?, extra: Int, used: Int)

    public init(tenant: Tenant, statusReason: String?, users: [User], recentEvents: [AuditEntry],
                seats: (limit: Int?, extra: Int, used: Int) = (nil, 0, 0)) {
        self.seats = seats
        self.tenant = tenant
        self.statusReason = statusReason
        self.users = users
        self.recentEvents = recentEvents
    }
}

public struct UserDetail: Sendable {
    public let tenant: Tenant
    public let user: User
    public let sessions: [SessionInfo]
    /// Sign-ins, failures and MFA steps, newest first.
    public let recentLogins: [AuditEntry]

    public init(tenant: Tenant, user: User, sessions: [SessionInfo], recentLogins: [AuditEntry]) {
        self.tenant = tenant
        self.user = user
        self.sessions = sessions
        self.recentLogins = recentLogins
    }
}

public struct FindResults: Sendable {
    public let tenants: [Tenant]
    public let users: [(user: User, tenant: Tenant)]

    public init(tenants: [Tenant], users: [(user: User, tenant: Tenant)]) {
        self.tenants = tenants
        self.users = users
    }
}

/// The audit page's filters as staff type them: an actor's email or id, a tenant's slug or id.
public struct AuditQuery: Sendable, Equatable {
    public var actor: String?
    public var tenant: String?
    public var action: String?
    public var from: Date?
    /// Exclusive.
    public var to: Date?

    public init(actor: String? = nil, tenant: String? = nil, action: String? = nil, from: Date? = nil, to: Date? = nil) {
        self.actor = actor
        self.tenant = tenant
        self.action = action
        self.from = from
        self.to = to
    }
}

/// An audit event with its actor named for people: a staff member's or user's email.
public struct AuditEntry: Sendable, Equatable {
    public enum ActorKind: String, Sendable { case staff, user, system }
    public let event: AuditEvent
    public let actorKind: ActorKind
    /// The actor's email, when they still exist.
    public let actorEmail: String?

    public init(event: AuditEvent, actorKind: ActorKind, actorEmail: String?) {
        self.event = event
        self.actorKind = actorKind
        self.actorEmail = actorEmail
    }
}
