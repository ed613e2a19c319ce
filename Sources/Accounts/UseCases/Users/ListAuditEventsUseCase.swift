import AccountsAPI
import Kernel
import Storage

/// The tenant's own audit log, newest first.
struct ListAuditEventsUseCase {
    let db: Database

    func callAsFunction(_ principal: Principal, page: PageRequest) async throws -> Page<AuditEvent> {
        try principal.require(.auditRead)
        return try await db.tenant(principal.tenantID) { tx in try await tx.auditEvents(page) }
    }
}
