import Foundation
import Kernel
import NotificationsAPI
import Storage

/// SQL for `notifications.webhook_endpoints`.
enum WebhookEndpointRows {
    /// What the signing secrets (`secret`, `previous_secret`) are sealed as; the row is the
    /// endpoint, so rotating copies the current secret to `previous_secret` in SQL.
    static let secretPurpose = "notifications.webhook_endpoint.secret"

    /// The endpoint's columns; the previous secret's expiry only while it still signs (at `now`).
    static func columns(_ now: Date) -> SQL { """
        tenant_id, endpoint_id, url, description, event_types, enabled, disabled_reason, last_success_at, failing_since,
        case when previous_secret_expires_at > \(now) then previous_secret_expires_at end as previous_secret_expires_at,
        version, created_at
        """
    }

    static func decode(_ row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(id: try row.decode("endpoint_id"), tenantID: try row.decode("tenant_id"), url: try row.decode("url"),
                        description: try row.decode("description"), eventTypes: try row.decode("event_types"),
                        enabled: try row.decode("enabled"), disabledReason: try row.decode("disabled_reason"),
                        lastSuccessAt: try row.decode("last_success_at"), failingSince: try row.decode("failing_since"),
                        previousSecretExpiresAt: try row.decode("previous_secret_expires_at"), version: try row.decode("version"),
                        createdAt: try row.decode("created_at"))
    }

    /// The tenant's endpoints, counted under a lock on the tenant's endpoint list (a
    /// transaction-scoped advisory lock), so two registrations at once cannot both pass the limit.
    static func countLocked(in tx: TenantTransaction) async throws -> Int {
        try await tx.execute("select pg_advisory_xact_lock(hashtext('webhook_endpoints/' || \(tx.tenantID.description)))")
        return try await tx.query("select count(*)::int8 as n from notifications.webhook_endpoints where tenant_id = \(tx.tenantID)")
            .first?.decode("n") ?? 0
    }

    static func insert(_ id: WebhookEndpointID, _ endpoint: NewWebhookEndpoint, url: String, secret: String,
                       in tx: TenantTransaction) async throws -> WebhookEndpoint {
        guard let row = try await tx.query("""
            insert into notifications.webhook_endpoints
                (tenant_id, endpoint_id, url, description, event_types, enabled, disabled_reason, secret, created_at, updated_at)
            values (\(tx.tenantID), \(id), \(url), \(endpoint.description), \(endpoint.eventTypes), \(endpoint.enabled),
                    \(endpoint.enabled ? nil : "Disabled when it was added."),
                    \(try tx.seal(Array(secret.utf8), purpose: secretPurpose, row: id.description)), \(tx.now), \(tx.now))
            returning \(columns(tx.now))
            """).first else { throw AppError(.internalError, "The endpoint could not be saved.") }
        return try decode(row)
    }

    static func all(in tx: TenantTransaction) async throws -> [WebhookEndpoint] {
        try await tx.query("""
            select \(columns(tx.now)) from notifications.webhook_endpoints
             where tenant_id = \(tx.tenantID) order by created_at, endpoint_id
            """).map(decode)
    }

    static func find(_ id: WebhookEndpointID, in tx: TenantTransaction, lock: Bool = false) async throws -> WebhookEndpoint? {
        try await tx.query("""
            select \(columns(tx.now)) from notifications.webhook_endpoints
             where tenant_id = \(tx.tenantID) and endpoint_id = \(id) \(unsafeRaw: lock ? "for update" : "")
            """).first.map(decode)
    }

    static func require(_ id: WebhookEndpointID, in tx: TenantTransaction, lock: Bool = false) async throws -> WebhookEndpoint {
        guard let endpoint = try await find(id, in: tx, lock: lock) else {
            throw AppError(.webhookEndpointNotFound, "There is no such webhook endpoint.")
        }
        return endpoint
    }

    /// The endpoint as changed; enabling clears the reason and the failure streak.
    static func update(_ id: WebhookEndpointID, url: String, description: String, eventTypes: [String], enabled: Bool,
                       disabledReason: String?, in tx: TenantTransaction) async throws -> WebhookEndpoint {
        guard let row = try await tx.query("""
            update notifications.webhook_endpoints
               set url = \(url), description = \(description), event_types = \(eventTypes),
                   failing_since = case when \(enabled) and not enabled then null else failing_since end,
                   enabled = \(enabled), disabled_reason = \(disabledReason), version = version + 1, updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and endpoint_id = \(id)
            returning \(columns(tx.now))
            """).first else { throw AppError(.webhookEndpointNotFound, "There is no such webhook endpoint.") }
        return try decode(row)
    }

    static func delete(_ id: WebhookEndpointID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            delete from notifications.webhook_endpoints where tenant_id = \(tx.tenantID) and endpoint_id = \(id) returning 1
            """).isEmpty
    }

    /// A new secret; the current one signs alongside it until `overlapEnds`.
    static func rotate(_ id: WebhookEndpointID, secret: String, overlapEnds: Date, in tx: TenantTransaction) async throws -> WebhookEndpoint {
        guard let row = try await tx.query("""
            update notifications.webhook_endpoints
               set previous_secret = secret, previous_secret_expires_at = \(overlapEnds),
                   secret = \(try tx.seal(Array(secret.utf8), purpose: secretPurpose, row: id.description)),
                   version = version + 1, updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and endpoint_id = \(id)
            returning \(columns(tx.now))
            """).first else { throw AppError(.webhookEndpointNotFound, "There is no such webhook endpoint.") }
        return try decode(row)
    }

    /// The enabled endpoints that want `type` (an empty list wants every type).
    static func subscribed(to type: String, in tx: TenantTransaction) async throws -> [WebhookEndpointID] {
        try await tx.query("""
            select endpoint_id from notifications.webhook_endpoints
             where tenant_id = \(tx.tenantID) and enabled and (event_types = '{}' or \(type) = any(event_types))
            """).map { try $0.decode("endpoint_id") }
    }

    /// What an attempt's outcome does to the endpoint's health: a success ends the failure
    /// streak; a failure starts one (if none is running).
    static func recordOutcome(_ id: WebhookEndpointID, succeeded: Bool, in tx: TenantTransaction) async throws {
        if succeeded {
            try await tx.execute("""
                update notifications.webhook_endpoints set last_success_at = \(tx.now), failing_since = null
                 where tenant_id = \(tx.tenantID) and endpoint_id = \(id)
                """)
        } else {
            try await tx.execute("""
                update notifications.webhook_endpoints set failing_since = coalesce(failing_since, \(tx.now))
                 where tenant_id = \(tx.tenantID) and endpoint_id = \(id)
                """)
        }
    }

    /// Disabled by the system (410 Gone, failing too long); its pending deliveries fail with it.
    /// Returns the endpoint's URL when this disabled it (nil: it was disabled already).
    @discardableResult
    static func disable(_ id: WebhookEndpointID, reason: String, in tx: TenantTransaction) async throws -> String? {
        guard let url: String = try await tx.query("""
            update notifications.webhook_endpoints set enabled = false, disabled_reason = \(reason), version = version + 1,
                   updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and endpoint_id = \(id) and enabled
            returning url
            """).first?.decode("url") else { return nil }
        try await tx.execute("""
            update notifications.webhook_deliveries set status = 'failed', last_error = coalesce(last_error, \(reason)),
                   updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and endpoint_id = \(id) and status = 'pending'
            """)
        return url
    }
}
