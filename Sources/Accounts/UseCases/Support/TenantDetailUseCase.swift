import AccountsAPI
import Kernel
import Storage

/// One tenant as support sees it: its record, why it is suspended, its users, recent events.
/// Read in the tenant's own transaction (row-level security applies to staff too).
struct TenantDetailUseCase {
    let db: Database
    let platform: PlatformDatabase

    static let tenantNotFound = AppError(.tenantNotFound, "There is no such tenant.")

    func callAsFunction(_ principal: StaffPrincipal, id: TenantID) async throws -> TenantDetail {
        try principal.require(.consoleRead)
        let (tenant, reason, users, events, seats) = try await db.tenant(id) { tx in
            guard let tenant = try await TenantRows.find(id, in: tx) else { throw Self.tenantNotFound }
            return (tenant, try await TenantRows.statusReason(in: tx), try await UserRows.page(PageRequest(limit: 200), in: tx).items,
                    try await tx.auditEvents(PageRequest(limit: 20)).items, try await TenantRows.seats(in: tx))
        }
        return TenantDetail(tenant: tenant, statusReason: reason, users: users,
                            recentEvents: try await LabelAuditEntriesStep(platform: platform)(events), seats: seats)
    }
}
