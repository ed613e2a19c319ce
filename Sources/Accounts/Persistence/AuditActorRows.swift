import AccountsAPI
import Foundation
import Kernel
import Storage

/// SQL behind the audit page: its filters (emails, slugs) become ids, and the ids in entries
/// become emails again (one query for a page), on the platform path.
enum AuditActorRows {
    /// The filter for `query`; `nil` when it names an actor or tenant that does not exist (so
    /// nothing can match).
    static func filter(_ query: AuditQuery, in tx: PlatformTransaction) async throws -> AuditFilter? {
        var filter = AuditFilter(action: query.action, from: query.from, to: query.to)
        if let actor = query.actor {
            if let id = UUID(parsing: actor) {
                filter.actorIDs = [id]
            } else {
                let ids: [UUID] = try await tx.query("""
                    select staff_id as id from platform.staff where lower(email) = lower(\(actor))
                    union all
                    select user_id from accounts.users where lower(email) = lower(\(actor))
                    """).map { try $0.decode("id") }
                if ids.isEmpty { return nil }
                filter.actorIDs = ids
            }
        }
        if let tenant = query.tenant {
            if let id = TenantID(tenant) {
                filter.tenantID = id
            } else {
                guard let row = try await tx.query("select tenant_id from accounts.tenants where slug = \(tenant.lowercased())").first else {
                    return nil
                }
                filter.tenantID = try row.decode("tenant_id")
            }
        }
        return filter
    }

    static func entries(_ events: [AuditEvent], in tx: PlatformTransaction) async throws -> [AuditEntry] {
        let staffIDs = Array(Set(events.compactMap { $0.actorStaffID?.rawValue }))
        let userIDs = Array(Set(events.compactMap { $0.actorUserID?.rawValue }))
        var emails: [UUID: String] = [:]
        if !staffIDs.isEmpty || !userIDs.isEmpty {
            for row in try await tx.query("""
                select staff_id as id, email from platform.staff where staff_id = any(\(SQLValue.uuids(staffIDs)))
                union all
                select user_id, email from accounts.users where user_id = any(\(SQLValue.uuids(userIDs)))
                """) {
                emails[try row.decode("id")] = try row.decode("email")
            }
        }
        return events.map { event in
            if let staff = event.actorStaffID {
                AuditEntry(event: event, actorKind: .staff, actorEmail: emails[staff.rawValue])
            } else if let user = event.actorUserID {
                AuditEntry(event: event, actorKind: .user, actorEmail: emails[user.rawValue])
            } else {
                AuditEntry(event: event, actorKind: .system, actorEmail: nil)
            }
        }
    }
}
