public import Kernel

/// Who to tell about a tenant when the system itself has news for it (an endpoint disabled):
/// its name and its active owners. For other modules' background work, which acts for no
/// caller; it reveals nothing a tenant's owner could not read.
public protocol TenantDirectory: Sendable {
    func owners(of tenantID: TenantID) async throws -> (tenantName: String, owners: [User])
}
