public import Kernel
import Foundation

/// `platform.audit_log`: appended in the transaction of the change it records, so an entry
/// exists if and only if the change does. The table refuses updates and deletes.
enum AuditLog {
    static func append(_ event: AuditEvent, in tx: Transaction) async throws {
        try await tx.execute("""
            insert into platform.audit_log
                (tenant_id, audit_id, actor_user_id, action, target, request_id, before, after, occurred_at)
            values (\(event.tenantID), \(event.id), \(event.actorUserID), \(event.action), \(event.target),
                    \(event.requestID), \(event.before.map(SQLValue.jsonb)), \(event.after.map(SQLValue.jsonb)), \(event.occurredAt))
            """)
    }

    static func page(_ request: PageRequest, in tx: Transaction) async throws -> Page<AuditEvent> {
        // Newest first: the cursor is the last id seen, and ids are time-ordered.
        let rows = try await tx.query("""
            select tenant_id, audit_id, actor_user_id, action, target, request_id,
                   before::text as before, after::text as after, occurred_at
            from platform.audit_log
            where tenant_id = current_setting('app.tenant_id')::uuid
              and (\(request.after)::uuid is null or audit_id < \(request.after))
            order by audit_id desc
            limit \(request.limit + 1)
            """)
        let events = try rows.map { row in
            AuditEvent(id: try row.decode("audit_id"), tenantID: try row.decode("tenant_id"),
                       actorUserID: try row.decode("actor_user_id"), action: try row.decode("action"),
                       target: try row.decode("target"), requestID: try row.decode("request_id"),
                       before: try row.decode("before"), after: try row.decode("after"),
                       occurredAt: try row.decode("occurred_at"))
        }
        return Page(fetched: events, limit: request.limit, id: \.id)
    }
}

extension TenantTransaction {
    /// Appends `event` to the audit log in this transaction (its tenant is this transaction's).
    public func audit(_ event: AuditEvent) async throws {
        precondition(event.tenantID == tenantID, "an audit entry belongs to the transaction's tenant")
        try await AuditLog.append(event, in: tx)
    }

    /// This tenant's audit log, newest first.
    public func auditEvents(_ request: PageRequest) async throws -> Page<AuditEvent> {
        try await AuditLog.page(request, in: tx)
    }
}

extension PlatformTransaction {
    /// Appends an entry that belongs to no tenant (a login for a tenant that does not exist).
    public func audit(_ event: AuditEvent) async throws {
        try await AuditLog.append(event, in: tx)
    }
}
