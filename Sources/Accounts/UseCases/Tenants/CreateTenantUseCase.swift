import AccountsAPI
import Kernel
import Storage

/// An operator's tenant (`keel tenants create`): validates, inserts the tenant and publishes
/// `TenantCreated`, all in one transaction. It has no owner yet, so nobody is emailed.
struct CreateTenantUseCase {
    let db: Database

    func callAsFunction(_ request: CreateTenant) async throws -> Tenant {
        let slug = try TenantSlug(request.slug)
        let name = try TenantName(request.name)
        let id = TenantID.generate()
        do {
            return try await db.tenant(id) { tx in
                let tenant = try await TenantRows.insert(id: id, slug: slug, name: name, in: tx)
                try await tx.publish(TenantCreated(tenantID: id, slug: slug.value, name: name.value))
                return tenant
            }
        } catch let error as AppError where error.code == .conflict {
            // The only unique key a new tenant can collide on is its slug.
            throw AppError(.slugTaken, "The slug '\(slug.value)' is already taken.", diagnostics: error.diagnostics)
        }
    }
}
