/// What a user may do within their tenant. The one table of who-may-what is `Role.permissions`;
/// docs/rbac.md shows the same table, and WebTests walks it cell by cell.
public enum Permission: String, Sendable, CaseIterable, Codable, Comparable {
    /// List and read the tenant's users.
    case usersRead = "users.read"
    /// Change users' roles and status, delete users.
    case usersManage = "users.manage"
    /// Grant or take away the owner role.
    case ownersManage = "owners.manage"
    /// Read the tenant's audit log.
    case auditRead = "audit.read"
    /// Invite people, list and revoke invitations.
    case invitationsManage = "invitations.manage"
    /// Create, list and revoke API keys.
    case apiKeysManage = "api_keys.manage"
    /// Change the tenant's settings (name, required MFA).
    case tenantManage = "tenant.manage"
    /// Read the subscription, invoices and billing profile.
    case billingRead = "billing.read"
    /// Change plan, cancel and resume, edit the billing profile.
    case billingManage = "billing.manage"
    /// List and read the tenant's orders.
    case ordersRead = "orders.read"
    /// Create, edit, place, pay and cancel the tenant's orders.
    case ordersManage = "orders.manage"
    /// Register webhook endpoints, rotate their secrets, read and replay their messages.
    case webhooksManage = "webhooks.manage"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A user's role within their tenant.
public enum Role: String, Sendable, CaseIterable, Codable {
    case owner, admin, billing, member, viewer

    /// The RBAC table (docs/rbac.md). Billing users manage billing and see who is in the
    /// tenant; admins read billing but do not spend the tenant's money.
    public var permissions: Set<Permission> {
        switch self {
        case .owner: Set(Permission.allCases)
        case .admin: [.usersRead, .usersManage, .auditRead, .invitationsManage, .apiKeysManage, .billingRead, .ordersRead, .ordersManage,
                       .webhooksManage]
        case .billing: [.usersRead, .billingRead, .billingManage, .ordersRead, .ordersManage]
        case .member: [.usersRead, .ordersRead]
        case .viewer: [.usersRead, .ordersRead]
        }
    }

    public func can(_ permission: Permission) -> Bool { permissions.contains(permission) }
}
