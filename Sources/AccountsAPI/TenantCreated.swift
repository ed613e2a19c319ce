public import Kernel

/// Published when an operator creates a tenant (`keel tenants create`): it has no owner yet,
/// so nobody is emailed. Self-service sign-up publishes `TenantSignedUp` instead, with its
/// owner; a reactor that cares about every tenant (Billing's trial) subscribes to both.
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
