import AccountsAPI
import Kernel
import Storage

/// The platform's audit log, filtered by actor, tenant, action and time, each entry's actor named.
struct AuditLogUseCase {
    let platform: PlatformDatabase

    func callAsFunction(_ principal: StaffPrincipal, query: AuditQuery, page: PageRequest) async throws -> Page<AuditEntry> {
        try principal.require(.consoleRead)
        let events = try await platform.platform("console audit log") { tx in
            guard let filter = try await AuditActorRows.filter(query, in: tx) else {
                return Page<AuditEvent>(fetched: [], limit: 1, id: \.id)
            }
            return try await tx.auditEvents(filter, page)
        }
        let labelled = try await LabelAuditEntriesStep(platform: platform)(events.items)
        let byID = Dictionary(uniqueKeysWithValues: labelled.map { ($0.event.id, $0) })
        return events.map { event in byID[event.id] ?? AuditEntry(event: event, actorKind: .system, actorEmail: nil) }
    }
}
