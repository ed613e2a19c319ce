public import Kernel

/// Input for `AccountsService.signUp`: the new tenant and its owner.
public struct SignUp: Sendable, Equatable {
    public var tenantSlug: String
    public var tenantName: String
    public var ownerEmail: String
    public var ownerPassword: String
    public var ownerName: String
    /// For the audit entry.
    public var requestID: String

    public init(tenantSlug: String, tenantName: String, ownerEmail: String, ownerPassword: String,
                ownerName: String, requestID: String) {
        self.tenantSlug = tenantSlug
        self.tenantName = tenantName
        self.ownerEmail = ownerEmail
        self.ownerPassword = ownerPassword
        self.ownerName = ownerName
        self.requestID = requestID
    }
}

public struct SignUpResult: Sendable, Equatable {
    public let tenant: Tenant
    public let owner: User
    public init(tenant: Tenant, owner: User) {
        self.tenant = tenant
        self.owner = owner
    }
}

/// Published in the signup transaction: Billing starts the trial, Notifications says welcome.
public struct TenantSignedUp: IntegrationEvent, Equatable {
    public static let eventType = "accounts.tenant_signed_up.v1"
    public let tenantID: TenantID
    public let slug: String
    public let name: String
    public let ownerUserID: UserID
    public let ownerEmail: String
    public let ownerName: String

    public init(tenantID: TenantID, slug: String, name: String, ownerUserID: UserID, ownerEmail: String, ownerName: String) {
        self.tenantID = tenantID
        self.slug = slug
        self.name = name
        self.ownerUserID = ownerUserID
        self.ownerEmail = ownerEmail
        self.ownerName = ownerName
    }
}

extension AppError.Code {
    public static let passwordTooShort = Self("password_too_short", kind: .invalidInput)
    public static let passwordTooCommon = Self("password_too_common", kind: .invalidInput)
}
