public import Kernel

/// Published when a tenant is created (by an operator or, later, by sign-up).
public struct TenantCreated: IntegrationEvent, Equatable {
    public static let eventType = "accounts.tenant_created.v1"
    public let tenantID: TenantID
    public let slug: String
    public let name: String

    public init(tenantID: TenantID, slug: String, name: String) {
        self.tenantID = tenantID
        self.slug = slug
        self.name = name
    }
}
