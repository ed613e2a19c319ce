import Foundation
import Kernel
import NotificationsAPI
import Storage

/// SQL for `notifications.webhook_messages`, `webhook_deliveries` and `webhook_attempts`.
enum WebhookMessageRows {
    /// The message and one pending delivery per endpoint, due at once.
    static func insert(_ id: WebhookMessageID, type: String, body: String, about: String?, endpoints: [WebhookEndpointID],
                       in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into notifications.webhook_messages (tenant_id, message_id, event_type, body, about, created_at, trace_context)
            values (\(tx.tenantID), \(id), \(type), \(body), \(about), \(tx.now), \(Traces.traceContext()))
            """)
        try await tx.execute("""
            insert into notifications.webhook_deliveries (tenant_id, message_id, endpoint_id, next_attempt_at, created_at, updated_at)
            select \(tx.tenantID), \(id), e, \(tx.now), \(tx.now), \(tx.now) from unnest(\(SQLValue.uuids(endpoints.map(\.rawValue)))) as e
            """)
    }

    static func exists(_ id: WebhookMessageID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            select 1 from notifications.webhook_messages where tenant_id = \(tx.tenantID) and message_id = \(id)
            """).isEmpty
    }

    private static let deliveryColumns: SQL = """
        d.endpoint_id, d.status, d.attempts, case when d.status = 'pending' then d.next_attempt_at end as next_attempt_at,
        d.last_status, d.last_error
        """

    private static func delivery(_ row: Row) throws -> WebhookMessage.Delivery {
        WebhookMessage.Delivery(endpointID: try row.decode("endpoint_id"), status: try row.decode("status", as: WebhookDeliveryStatus.self),
                                attempts: try row.decode("attempts"), nextAttemptAt: try row.decode("next_attempt_at"),
                                lastStatusCode: try row.decode("last_status"), lastError: try row.decode("last_error"))
    }

    /// One message with every delivery of it.
    static func find(_ id: WebhookMessageID, in tx: TenantTransaction) async throws -> WebhookMessage? {
        let rows = try await tx.query("""
            select m.message_id, m.event_type, m.body, m.created_at, \(deliveryColumns)
              from notifications.webhook_messages m
              left join notifications.webhook_deliveries d on d.tenant_id = m.tenant_id and d.message_id = m.message_id
             where m.tenant_id = \(tx.tenantID) and m.message_id = \(id)
             order by d.endpoint_id
            """)
        guard let first = rows.first else { return nil }
        let deliveries = try rows.filter { try $0.decode("endpoint_id", as: UUID?.self) != nil }.map(delivery)
        return WebhookMessage(id: try first.decode("message_id"), eventType: try first.decode("event_type"),
                              body: try first.decode("body"), createdAt: try first.decode("created_at"), deliveries: deliveries)
    }

    /// The endpoint's messages, newest first, each with its delivery there.
    static func page(endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?, _ request: PageRequest,
                     in tx: TenantTransaction) async throws -> Page<WebhookMessage> {
        var conditions: SQL = "d.tenant_id = \(tx.tenantID) and d.endpoint_id = \(endpoint)"
        if let status { conditions = conditions + " and d.status = \(status.rawValue)" }
        if let after = request.after { conditions = conditions + " and d.message_id < \(after)" }
        let rows = try await tx.query("""
            select m.message_id, m.event_type, m.body, m.created_at, \(deliveryColumns)
              from notifications.webhook_deliveries d
              join notifications.webhook_messages m on m.tenant_id = d.tenant_id and m.message_id = d.message_id
             where \(conditions)
             order by d.message_id desc limit \(request.limit + 1)
            """)
        let messages = try rows.map { row in
            WebhookMessage(id: try row.decode("message_id"), eventType: try row.decode("event_type"), body: try row.decode("body"),
                           createdAt: try row.decode("created_at"), deliveries: [try delivery(row)])
        }
        return Page(fetched: messages, limit: request.limit, id: \.id.rawValue)
    }

    /// Every attempt at the message, newest first.
    static func attempts(_ id: WebhookMessageID, in tx: TenantTransaction) async throws -> [WebhookAttempt] {
        try await tx.query("""
            select message_id, endpoint_id, attempted_at, succeeded, status_code, duration_ms, response_body, error
              from notifications.webhook_attempts
             where tenant_id = \(tx.tenantID) and message_id = \(id)
             order by attempted_at desc, attempt_id desc
            """).map { row in
            WebhookAttempt(messageID: try row.decode("message_id"), endpointID: try row.decode("endpoint_id"),
                           attemptedAt: try row.decode("attempted_at"), succeeded: try row.decode("succeeded"),
                           statusCode: try row.decode("status_code"), durationMilliseconds: try row.decode("duration_ms"),
                           responseBody: try row.decode("response_body"), error: try row.decode("error"))
        }
    }

    /// Due again at once with a fresh schedule: the message's deliveries (or the one to
    /// `endpoint`) that are not on their way now. Returns how many.
    @discardableResult
    static func replay(_ id: WebhookMessageID, endpoint: WebhookEndpointID?, in tx: TenantTransaction) async throws -> Int {
        var conditions: SQL = "tenant_id = \(tx.tenantID) and message_id = \(id) and status <> 'sending'"
        if let endpoint { conditions = conditions + " and endpoint_id = \(endpoint)" }
        return try await tx.query("""
            update notifications.webhook_deliveries
               set status = 'pending', attempts = 0, next_attempt_at = \(tx.now), last_error = null, updated_at = \(tx.now)
             where \(conditions) returning 1
            """).count
    }

    /// Every delivery to `endpoint` that failed, of messages made since `since`, due again at once.
    static func replayFailed(endpoint: WebhookEndpointID, since: Date, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            with replayed as (
                update notifications.webhook_deliveries
                   set status = 'pending', attempts = 0, next_attempt_at = \(tx.now), last_error = null, updated_at = \(tx.now)
                 where tenant_id = \(tx.tenantID) and endpoint_id = \(endpoint) and status = 'failed' and created_at >= \(since)
                returning 1)
            select count(*)::int8 as n from replayed
            """).first?.decode("n") ?? 0
    }
}

/// The sender's side of `notifications.webhook_deliveries`: claiming due deliveries across
/// tenants, and recording each attempt in the delivery's tenant transaction.
enum WebhookDeliveryRows {
    struct Claimed: Sendable {
        let tenantID: TenantID
        let messageID: WebhookMessageID
        let endpointID: WebhookEndpointID
        /// This attempt's number, from 1.
        let attempt: Int
        let eventType: String
        let body: String
        let url: String
        /// The signing secrets: the current one, and the previous one while a rotation overlaps.
        let secrets: [String]
        /// What the message is about when another module owns it.
        let about: String?
        /// The trace the message was made in, when traced.
        let traceContext: String?
        /// The sender's lease on the endpoint (one per claim), released when its batch is done.
        let lease: UUID
    }

    /// Leases up to `endpoints` enabled endpoints that have deliveries due and no sender (the
    /// one served longest ago first), and claims up to `perEndpoint` of each one's due
    /// deliveries, oldest first. A sender delivers one endpoint's batch in order, one at a
    /// time, so an endpoint never has two deliveries in flight, across any number of senders
    /// (the lease is a row update: two claims cannot both take it); a slow endpoint holds one
    /// sender, never another tenant's deliveries. A delivery or an endpoint lease whose sender
    /// died is due again when its lease runs out.
    static func claim(endpoints: Int, perEndpoint: Int, leaseSeconds: Double, in tx: PlatformTransaction) async throws -> [[Claimed]] {
        let lease = UUID.v7()
        let due: SQL = "((d.status = 'pending' and d.next_attempt_at <= \(tx.now)) or (d.status = 'sending' and d.locked_until <= \(tx.now)))"
        let rows = try await tx.query("""
            with ready as (
                select e.tenant_id, e.endpoint_id from notifications.webhook_endpoints e
                 where e.enabled and (e.sending_until is null or e.sending_until <= \(tx.now))
                   and exists (select 1 from notifications.webhook_deliveries d
                                where d.tenant_id = e.tenant_id and d.endpoint_id = e.endpoint_id and \(due))
                 order by e.sending_until nulls first
                 limit \(endpoints)
                   for update skip locked
            ), leased as (
                update notifications.webhook_endpoints e
                   set sending_until = \(tx.now) + make_interval(secs => \(leaseSeconds)), sending_lease = \(lease)
                  from ready r where e.tenant_id = r.tenant_id and e.endpoint_id = r.endpoint_id
                returning e.tenant_id, e.endpoint_id, e.url,
                          array_remove(array[e.secret, case when e.previous_secret_expires_at > \(tx.now) then e.previous_secret end],
                                       null) as secrets
            ), picked as (
                select d.tenant_id, d.message_id, d.endpoint_id
                  from leased l cross join lateral (
                       select d.tenant_id, d.message_id, d.endpoint_id from notifications.webhook_deliveries d
                        where d.tenant_id = l.tenant_id and d.endpoint_id = l.endpoint_id and \(due)
                        order by d.next_attempt_at, d.message_id limit \(perEndpoint)
                          for update skip locked) d
            ), claimed as (
                update notifications.webhook_deliveries d
                   set status = 'sending', attempts = d.attempts + 1,
                       locked_until = \(tx.now) + make_interval(secs => \(leaseSeconds)), updated_at = \(tx.now)
                  from picked c
                 where d.tenant_id = c.tenant_id and d.message_id = c.message_id and d.endpoint_id = c.endpoint_id
                returning d.tenant_id, d.message_id, d.endpoint_id, d.attempts, d.next_attempt_at
            )
            select c.tenant_id, c.message_id, c.endpoint_id, c.attempts, m.event_type, m.body, m.about, m.trace_context, l.url, l.secrets
              from claimed c
              join notifications.webhook_messages m on m.tenant_id = c.tenant_id and m.message_id = c.message_id
              join leased l on l.tenant_id = c.tenant_id and l.endpoint_id = c.endpoint_id
             order by c.tenant_id, c.endpoint_id, c.next_attempt_at, c.message_id
            """)
        var batches: [[Claimed]] = []
        for row in rows {
            let (tenantID, endpointID): (TenantID, WebhookEndpointID) = (try row.decode("tenant_id"), try row.decode("endpoint_id"))
            // A secret that does not open (its key left the ring) fails this endpoint's attempt,
            // not the whole claim: no secrets, and the sender records why.
            let secrets = (try? row.decode("secrets", as: [String].self).map {
                try tx.open($0, tenant: tenantID, purpose: WebhookEndpointRows.secretPurpose, row: endpointID.description)
            }) ?? []
            let claimed = Claimed(tenantID: tenantID, messageID: try row.decode("message_id"),
                                  endpointID: endpointID, attempt: try row.decode("attempts"),
                                  eventType: try row.decode("event_type"), body: try row.decode("body"), url: try row.decode("url"),
                                  secrets: secrets, about: try row.decode("about"),
                                  traceContext: try row.decode("trace_context"), lease: lease)
            if let last = batches.last?.last, last.tenantID == claimed.tenantID, last.endpointID == claimed.endpointID {
                batches[batches.count - 1].append(claimed)
            } else {
                batches.append([claimed])
            }
        }
        return batches
    }

    /// The rest of a batch, not tried (the endpoint just failed): due again as they were, the
    /// claim's attempt not counted.
    static func unclaim(_ rest: [Claimed], in tx: TenantTransaction) async throws {
        guard !rest.isEmpty else { return }
        try await tx.execute("""
            update notifications.webhook_deliveries d
               set status = 'pending', attempts = d.attempts - 1, locked_until = null, updated_at = \(tx.now)
              from unnest(\(SQLValue.uuids(rest.map(\.messageID.rawValue))), \(SQLValue.ints(rest.map(\.attempt))))
                   as r(message_id, attempt)
             where d.tenant_id = \(tx.tenantID) and d.endpoint_id = \(rest[0].endpointID) and d.message_id = r.message_id
               and d.status = 'sending' and d.attempts = r.attempt
            """)
    }

    /// The endpoint is free for the next sender (only if the lease is still this sender's).
    static func release(_ endpoint: WebhookEndpointID, lease: UUID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update notifications.webhook_endpoints set sending_until = null, sending_lease = null
             where tenant_id = \(tx.tenantID) and endpoint_id = \(endpoint) and sending_lease = \(lease)
            """)
    }

    /// Drops attempts older than `before`, across tenants; returns how many.
    static func pruneAttempts(before: Date, in tx: PlatformTransaction) async throws -> Int {
        try await tx.query("delete from notifications.webhook_attempts where attempted_at < \(before) returning 1").count
    }

    enum Outcome {
        case succeeded
        case retry(at: Date)
        case failed
    }

    /// Records the attempt and the delivery's new state, only while the claim is still this
    /// sender's (same attempt, still sending): a stale sender changes nothing. Returns whether
    /// it recorded.
    static func record(_ claimed: Claimed, outcome: Outcome, statusCode: Int?, durationMilliseconds: Int,
                       responseBody: String?, error: String?, in tx: TenantTransaction) async throws -> Bool {
        let (status, next): (String, Date?) = switch outcome {
        case .succeeded: ("succeeded", nil)
        case .retry(let at): ("pending", at)
        case .failed: ("failed", nil)
        }
        let updated = try await tx.query("""
            update notifications.webhook_deliveries
               set status = \(status), next_attempt_at = coalesce(\(next), next_attempt_at), locked_until = null,
                   last_status = \(statusCode), last_error = \(error), updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and message_id = \(claimed.messageID) and endpoint_id = \(claimed.endpointID)
               and status = 'sending' and attempts = \(claimed.attempt)
            returning 1
            """)
        guard !updated.isEmpty else { return false }
        try await tx.execute("""
            insert into notifications.webhook_attempts
                (tenant_id, attempt_id, message_id, endpoint_id, attempted_at, succeeded, status_code, duration_ms, response_body, error)
            values (\(tx.tenantID), \(UUID.v7()), \(claimed.messageID), \(claimed.endpointID), \(tx.now),
                    \(status == "succeeded"), \(statusCode), \(durationMilliseconds), \(responseBody), \(error))
            """)
        return true
    }
}
