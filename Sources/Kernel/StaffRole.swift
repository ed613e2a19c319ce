/// What a staff member may do in the console. The one table is `StaffRole.permissions`;
/// docs/rbac.md shows it, and WebTests walks it per role.
public enum StaffPermission: String, Sendable, CaseIterable, Codable, Comparable {
    /// Every read page: dashboard, tenants, users, find, audit log, mail.
    case consoleRead = "console.read"
    /// Safe account actions on a tenant's user: lock, unlock, end sessions, send a password
    /// reset, resend verification; and retrying a failed email.
    case accountSupport = "account.support"
    /// Suspend or reactivate a whole tenant.
    case tenantsSuspend = "tenants.suspend"
    /// Money: refunds, credits (with the Billing module), canceling a paid order.
    case billingOperate = "billing.operate"
    /// Deliver what a tenant ordered (manual products: a service, goods).
    case ordersFulfil = "orders.fulfil"
    /// Invite staff, change their roles, deactivate them.
    case staffManage = "staff.manage"
    /// Download every row a tenant owns (its users, sessions, invoices, orders …): the whole
    /// tenant in one file, so admins only, with a reason, audited.
    case tenantsExport = "tenants.export"
    /// "View as" a tenant's user: an API session as them, time-boxed (at most an hour), with a
    /// reason and a fresh TOTP code, read-only unless changes are granted; every request audited.
    case usersImpersonate = "users.impersonate"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A staff member's role.
public enum StaffRole: String, Sendable, CaseIterable, Codable {
    case support
    case billingOps = "billing-ops"
    case admin

    public var permissions: Set<StaffPermission> {
        switch self {
        case .support: [.consoleRead, .accountSupport, .ordersFulfil, .usersImpersonate]
        case .billingOps: [.consoleRead, .billingOperate]
        case .admin: Set(StaffPermission.allCases)
        }
    }

    public func can(_ permission: StaffPermission) -> Bool { permissions.contains(permission) }
}

/// Who is acting in the staff console, for one request. In Kernel because every module's
/// support interface takes one (Accounts' support actions, Billing's).
public struct StaffPrincipal: Sendable, Equatable {
    public let staffID: StaffID
    public let email: String
    public let role: StaffRole
    public let requestID: String

    public init(staffID: StaffID, email: String, role: StaffRole, requestID: String) {
        self.staffID = staffID
        self.email = email
        self.role = role
        self.requestID = requestID
    }

    public func can(_ permission: StaffPermission) -> Bool { role.can(permission) }

    /// Throws `forbidden` unless the role grants `permission`.
    public func require(_ permission: StaffPermission) throws {
        guard can(permission) else {
            throw AppError(.forbidden, "Your staff role (\(role.rawValue)) may not do this.")
        }
    }
}
