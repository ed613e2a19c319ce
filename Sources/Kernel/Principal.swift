public import Foundation

/// The authenticated caller of one request: who, in which tenant, with which role, and the
/// request id their audit entries carry. The HTTP edge makes it from a session or an API key;
/// modules take the tenant from here, never from a header or a body.
public struct Principal: Sendable, Equatable {
    /// What the caller presented.
    public enum Credential: Sendable, Equatable {
        /// A person's login.
        case session(SessionID)
        /// A machine client's key, acting as its creator with at most `scopes`.
        case apiKey(APIKeyID, scopes: Set<Permission>)
    }

    public let tenantID: TenantID
    public let userID: UserID
    public let credential: Credential
    public let role: Role
    public let requestID: String
    /// The tenant requires MFA and this person has not enrolled: until they do, only MFA
    /// enrolment, `getMe` and logging out are open to them.
    public let mfaEnrolmentRequired: Bool
    /// The tenant's subscription is blocked for an unpaid invoice: until it is paid, only
    /// reading and paying invoices and managing the payment method are open (402 otherwise).
    public let billingBlocked: Bool
    /// A staff member viewing as this user ("view as"), when it is one.
    public let impersonation: Impersonation?

    public init(tenantID: TenantID, userID: UserID, credential: Credential, role: Role, requestID: String,
                mfaEnrolmentRequired: Bool = false, billingBlocked: Bool = false, impersonation: Impersonation? = nil) {
        self.impersonation = impersonation
        self.billingBlocked = billingBlocked
        self.tenantID = tenantID
        self.userID = userID
        self.credential = credential
        self.role = role
        self.requestID = requestID
        self.mfaEnrolmentRequired = mfaEnrolmentRequired
    }

    /// The session behind a person's login; `nil` for an API key.
    public var sessionID: SessionID? {
        if case .session(let id) = credential { id } else { nil }
    }

    /// What the caller may do: the role's permissions, narrowed by an API key's scopes.
    public var permissions: Set<Permission> {
        switch credential {
        case .session: role.permissions
        case .apiKey(_, let scopes): role.permissions.intersection(scopes)
        }
    }

    public func can(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Throws `.forbidden` unless the caller has `permission`.
    public func require(_ permission: Permission) throws {
        guard can(permission) else {
            let who = sessionID == nil ? "This API key" : "Your role (\(role.rawValue))"
            throw AppError(.forbidden, "\(who) does not allow this (\(permission.rawValue)).")
        }
    }

    /// Throws `.forbidden` for an API key: the operation is a person's own (their password,
    /// MFA, sessions).
    @discardableResult
    public func requireSession() throws -> SessionID {
        guard let sessionID else {
            throw AppError(.sessionRequired, "API keys cannot do this; sign in as the person.")
        }
        return sessionID
    }
}

/// A person's account within one tenant.
public struct UserID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// One login.
public struct SessionID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// One API key.
public struct APIKeyID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

extension AppError.Code {
    public static let forbidden = Self("forbidden", kind: .forbidden)
    public static let unauthenticated = Self("unauthenticated", kind: .unauthenticated)
    public static let sessionRequired = Self("session_required", kind: .forbidden)
    public static let mfaEnrolmentRequired = Self("mfa_enrolment_required", kind: .forbidden)
    /// A staff member's "view as" without changes granted tried to change something.
    public static let impersonationReadOnly = Self("impersonation_read_only", kind: .forbidden)
    /// A staff member's "view as" tried the person's own credentials, sessions or keys.
    public static let impersonationForbidden = Self("impersonation_forbidden", kind: .forbidden)
}

/// A staff member acting as a user for a time box, with a reason: read-only unless changes were
/// granted. Every request is audited, and the user sees it in their sessions list.
public struct Impersonation: Sendable, Equatable {
    public let staffID: StaffID
    public let staffName: String
    public let staffEmail: String
    public let reason: String
    public let canWrite: Bool
    public let endsAt: Date

    public init(staffID: StaffID, staffName: String, staffEmail: String, reason: String, canWrite: Bool, endsAt: Date) {
        self.staffID = staffID
        self.staffName = staffName
        self.staffEmail = staffEmail
        self.reason = reason
        self.canWrite = canWrite
        self.endsAt = endsAt
    }
}
