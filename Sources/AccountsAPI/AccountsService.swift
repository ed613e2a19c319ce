public import Kernel

/// The Accounts module's public face: tenants (and, later, users, sessions, roles).
public protocol AccountsService: Sendable {
    /// Creates a tenant and publishes `TenantCreated` in the same transaction.
    /// Throws `AppError` `.invalidInput` for a malformed slug or name, `.slugTaken` when the
    /// slug is in use.
    func createTenant(_ request: CreateTenant) async throws -> Tenant

    /// The tenant, or `nil`.
    func tenant(_ id: TenantID) async throws -> Tenant?
}
