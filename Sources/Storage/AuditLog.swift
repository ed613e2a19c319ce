public import Kernel
import Foundation

/// `platform.audit_log`: appended in the transaction of the change it records, so an entry
/// exists if and only if the change does. The table refuses updates and deletes.
enum AuditLog {
    static func append(_ event: AuditEvent, in tx: Transaction) async throws {
        try await tx.execute("""
            insert into platform.audit_log
                (tenant_id, audit_id, actor_user_id, actor_staff_id, action, target, request_id, before, after,
                 reason, occurred_at)
            values (\(event.tenantID), \(event.id), \(event.actorUserID), \(event.actorStaffID), \(event.action),
                    \(event.target), \(event.requestID), \(event.before.map(SQLValue.jsonb)),
                    \(event.after.map(SQLValue.jsonb)), \(event.reason), \(event.occurredAt))
            """)
    }

    static func page(_ request: PageRequest, in tx: Transaction) async throws -> Page<AuditEvent> {
        // Newest first: the cursor is the last id seen, and ids are time-ordered.
        let rows = try await tx.query("""
            select \(columns) from platform.audit_log
            where tenant_id = current_setting('app.tenant_id')::uuid
              and (\(request.after)::uuid is null or audit_id < \(request.after))
            order by audit_id desc
            limit \(request.limit + 1)
            """)
        return Page(fetched: try rows.map(decode), limit: request.limit, id: \.id)
    }

    /// Every tenant's entries (and the tenant-less ones), newest first, narrowed by `filter`.
    static func search(_ filter: AuditFilter, _ request: PageRequest, in tx: Transaction) async throws -> Page<AuditEvent> {
        let actionPattern = filter.action.map { SQL.likePattern(prefix: $0) }
        let actors = SQLValue.uuids(filter.actorIDs ?? [])
        let rows = try await tx.query("""
            select \(columns) from platform.audit_log
            where (\(filter.tenantID)::uuid is null or tenant_id = \(filter.tenantID))
              and (\(filter.actorIDs == nil) or actor_user_id = any(\(actors)) or actor_staff_id = any(\(actors)))
              and (\(actionPattern)::text is null or action like \(actionPattern))
              and (\(filter.target)::text is null or target = \(filter.target))
              and (\(filter.from)::timestamptz is null or occurred_at >= \(filter.from))
              and (\(filter.to)::timestamptz is null or occurred_at < \(filter.to))
              and (\(request.after)::uuid is null or audit_id < \(request.after))
            order by audit_id desc
            limit \(request.limit + 1)
            """)
        return Page(fetched: try rows.map(decode), limit: request.limit, id: \.id)
    }

    private static let columns: SQL = """
        tenant_id, audit_id, actor_user_id, actor_staff_id, action, target, request_id,
        before::text as before, after::text as after, reason, occurred_at
        """

    private static func decode(_ row: Row) throws -> AuditEvent {
        AuditEvent(recorded: try row.decode("audit_id"), tenantID: try row.decode("tenant_id"),
                   actorUserID: try row.decode("actor_user_id"), action: try row.decode("action"),
                   target: try row.decode("target"), requestID: try row.decode("request_id"),
                   before: try row.decode("before"), after: try row.decode("after"),
                   actorStaffID: try row.decode("actor_staff_id"), reason: try row.decode("reason"),
                   occurredAt: try row.decode("occurred_at"))
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

    /// This tenant's entries that match `filter` (row-level security keeps it to this tenant).
    public func auditEvents(_ filter: AuditFilter, _ request: PageRequest) async throws -> Page<AuditEvent> {
        try await AuditLog.search(filter, request, in: tx)
    }
}

extension PlatformTransaction {
    /// Appends an entry that belongs to no tenant (a login for a tenant that does not exist,
    /// a staff member signing in).
    public func audit(_ event: AuditEvent) async throws {
        try await AuditLog.append(event, in: tx)
    }

    /// The whole platform's audit log, for the staff console.
    public func auditEvents(_ filter: AuditFilter, _ request: PageRequest) async throws -> Page<AuditEvent> {
        try await AuditLog.search(filter, request, in: tx)
    }
}
