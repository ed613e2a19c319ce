public import Foundation
public import Kernel

/// The transactional outbox: events are rows written in the publisher's transaction, so an
/// event exists exactly when the change that caused it committed.
enum Outbox {
    static let channel = "keel_outbox"

    static func insert<E: IntegrationEvent>(_ event: E, id: EventID, tenantID: TenantID, into tx: Transaction) async throws {
        let payload = try JSONEncoder.outbox.encode(event)
        // One round trip: the insert, and a notification that PostgreSQL delivers only if this
        // transaction commits (it wakes the dispatchers).
        try await tx.execute("""
            with event as (
                insert into platform.outbox (tenant_id, id, event_type, payload, trace_context)
                values (\(tenantID), \(id), \(E.eventType), \(SQLValue.jsonb(String(decoding: payload, as: UTF8.self))),
                        \(Traces.traceContext()))
                returning id)
            select pg_notify(\(channel), '') from event
            """)
    }
}

/// One outbox row, as the operator and the staff console see it.
public struct OutboxEntry: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, delivered, dead }
    public let id: EventID
    public let tenantID: TenantID
    public let eventType: String
    public let status: Status
    public let attempts: Int
    public let lastError: String?
    public let createdAt: Date
}

extension JSONEncoder {
    static let outbox: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
}

extension JSONDecoder {
    static let outbox: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
