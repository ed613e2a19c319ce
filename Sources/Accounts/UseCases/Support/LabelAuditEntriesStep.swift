import AccountsAPI
import Kernel
import Storage

/// Names each entry's actor (a user or a staff member, by email; one query for all of them).
struct LabelAuditEntriesStep {
    let platform: PlatformDatabase

    func callAsFunction(_ events: [AuditEvent]) async throws -> [AuditEntry] {
        try await platform.platform("console audit actors") { tx in try await AuditActorRows.entries(events, in: tx) }
    }
}
