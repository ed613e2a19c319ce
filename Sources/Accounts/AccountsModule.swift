public import AccountsAPI
public import Kernel
public import Storage

/// The implementation of `AccountsService`; only the composition root creates it.
public struct AccountsModule: AccountsService {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    public func createTenant(_ request: CreateTenant) async throws -> Tenant {
        try await CreateTenantUseCase(db: db)(request)
    }

    public func tenant(_ id: TenantID) async throws -> Tenant? {
        try await db.tenant(id) { tx in try await TenantRows.find(id, in: tx) }
    }
}
