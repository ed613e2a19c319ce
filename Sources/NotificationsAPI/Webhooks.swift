public import Foundation
public import Kernel

/// Outbound webhooks (Standard Webhooks): a tenant's endpoints, the messages sent to them and
/// every attempt. Permission `webhooks.manage` for all of it.
public protocol WebhooksService: Sendable {
    /// Registers an endpoint; its signing secret is in the answer, and only there.
    func createEndpoint(_ principal: Principal, _ endpoint: NewWebhookEndpoint) async throws -> CreatedWebhookEndpoint
    func endpoints(_ principal: Principal) async throws -> [WebhookEndpoint]
    func endpoint(_ principal: Principal, id: WebhookEndpointID) async throws -> WebhookEndpoint
    /// Changes what is given (nil leaves it); enabling clears the disabled reason and the
    /// failure streak. `expectedVersion` from `If-Match`, when sent.
    func updateEndpoint(_ principal: Principal, id: WebhookEndpointID, expectedVersion: Int?,
                        _ change: WebhookEndpointChange) async throws -> WebhookEndpoint
    func deleteEndpoint(_ principal: Principal, id: WebhookEndpointID) async throws
    /// A new secret; the previous one keeps signing alongside it for `WebhookPolicy.rotationOverlap`.
    func rotateSecret(_ principal: Principal, id: WebhookEndpointID) async throws -> CreatedWebhookEndpoint
    /// Sends a `webhook.test` message to this endpoint only.
    func sendTest(_ principal: Principal, id: WebhookEndpointID) async throws -> WebhookMessage
    /// The endpoint's messages, newest first, with how each delivery stands.
    func messages(_ principal: Principal, endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?,
                  page: PageRequest) async throws -> Page<WebhookMessage>
    /// Every attempt to deliver one message (to each endpoint it went to), newest first.
    func attempts(_ principal: Principal, message: WebhookMessageID) async throws -> [WebhookAttempt]
    /// Sends the message again (same id) to the endpoints it went to, or to one of them.
    func replay(_ principal: Principal, message: WebhookMessageID, endpoint: WebhookEndpointID?) async throws -> WebhookMessage
    /// Sends again every message to this endpoint whose delivery failed since `since`; returns how many.
    func replayFailed(_ principal: Principal, endpoint: WebhookEndpointID, since: Date) async throws -> Int
}

/// Webhooks as staff see them in the console: a tenant's endpoints and their health, the
/// message and attempt log, and replay with a reason (audited). Reading needs `console.read`;
/// replaying `account.support`.
public protocol WebhooksSupportService: Sendable {
    func endpoints(_ staff: StaffPrincipal, tenantID: TenantID) async throws -> [WebhookEndpoint]
    func messages(_ staff: StaffPrincipal, tenantID: TenantID, endpoint: WebhookEndpointID, status: WebhookDeliveryStatus?,
                  page: PageRequest) async throws -> Page<WebhookMessage>
    /// The message with its deliveries, and every attempt at it.
    func message(_ staff: StaffPrincipal, tenantID: TenantID, id: WebhookMessageID) async throws -> (WebhookMessage, [WebhookAttempt])
    func replay(_ staff: StaffPrincipal, tenantID: TenantID, message: WebhookMessageID, reason: String) async throws -> WebhookMessage
    /// Every message whose delivery to the endpoint failed, of those made since `since`, sent
    /// again (same ids); returns how many.
    func replayFailed(_ staff: StaffPrincipal, tenantID: TenantID, endpoint: WebhookEndpointID, since: Date,
                      reason: String) async throws -> Int
}

public struct WebhookEndpointID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// A message's id, the same in every attempt and replay: `webhook-id: msg_<uuid>`.
public struct WebhookMessageID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }

    /// As receivers see it, in `webhook-id` and the body's `id`.
    public var wire: String { "msg_\(description)" }

    public init?(wire: String) {
        guard wire.hasPrefix("msg_"), let id = WebhookMessageID(String(wire.dropFirst(4))) else { return nil }
        self = id
    }
}

public struct NewWebhookEndpoint: Sendable, Equatable {
    public let url: String
    public let description: String
    /// Empty: every event type.
    public let eventTypes: [String]
    public let enabled: Bool

    public init(url: String, description: String, eventTypes: [String], enabled: Bool) {
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.enabled = enabled
    }
}

public struct WebhookEndpointChange: Sendable, Equatable {
    public var url: String?
    public var description: String?
    public var eventTypes: [String]?
    public var enabled: Bool?

    public init(url: String? = nil, description: String? = nil, eventTypes: [String]? = nil, enabled: Bool? = nil) {
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.enabled = enabled
    }
}

public struct WebhookEndpoint: Sendable, Equatable {
    public let id: WebhookEndpointID
    public let tenantID: TenantID
    public let url: String
    public let description: String
    public let eventTypes: [String]
    public let enabled: Bool
    /// Why it was disabled (by the tenant, a `410 Gone`, or failing for too long).
    public let disabledReason: String?
    public let lastSuccessAt: Date?
    public let failingSince: Date?
    /// While a rotation overlaps: when the previous secret stops signing.
    public let previousSecretExpiresAt: Date?
    public let version: Int
    public let createdAt: Date

    public init(id: WebhookEndpointID, tenantID: TenantID, url: String, description: String, eventTypes: [String],
                enabled: Bool, disabledReason: String?, lastSuccessAt: Date?, failingSince: Date?,
                previousSecretExpiresAt: Date?, version: Int, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.lastSuccessAt = lastSuccessAt
        self.failingSince = failingSince
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.version = version
        self.createdAt = createdAt
    }
}

/// An endpoint with its secret: the answer to creating one or rotating its secret.
public struct CreatedWebhookEndpoint: Sendable {
    public let endpoint: WebhookEndpoint
    /// `whsec_` + base64 of 32 random bytes.
    public let secret: String

    public init(endpoint: WebhookEndpoint, secret: String) {
        self.endpoint = endpoint
        self.secret = secret
    }
}

public enum WebhookDeliveryStatus: String, Sendable, CaseIterable, Codable {
    case pending, sending, succeeded, failed
}

/// A message, and (when read for one endpoint) how its delivery there stands.
public struct WebhookMessage: Sendable, Equatable {
    public let id: WebhookMessageID
    public let eventType: String
    /// The exact body sent (the JSON envelope with `data`).
    public let body: String
    public let createdAt: Date
    public let deliveries: [Delivery]

    public struct Delivery: Sendable, Equatable {
        public let endpointID: WebhookEndpointID
        public let status: WebhookDeliveryStatus
        public let attempts: Int
        public let nextAttemptAt: Date?
        public let lastStatusCode: Int?
        public let lastError: String?

        public init(endpointID: WebhookEndpointID, status: WebhookDeliveryStatus, attempts: Int, nextAttemptAt: Date?,
                    lastStatusCode: Int?, lastError: String?) {
            self.endpointID = endpointID
            self.status = status
            self.attempts = attempts
            self.nextAttemptAt = nextAttemptAt
            self.lastStatusCode = lastStatusCode
            self.lastError = lastError
        }
    }

    public init(id: WebhookMessageID, eventType: String, body: String, createdAt: Date, deliveries: [Delivery]) {
        self.id = id
        self.eventType = eventType
        self.body = body
        self.createdAt = createdAt
        self.deliveries = deliveries
    }
}

public struct WebhookAttempt: Sendable, Equatable {
    public let messageID: WebhookMessageID
    public let endpointID: WebhookEndpointID
    public let attemptedAt: Date
    public let succeeded: Bool
    public let statusCode: Int?
    public let durationMilliseconds: Int
    /// The first 4 KiB of what the endpoint answered.
    public let responseBody: String?
    public let error: String?

    public init(messageID: WebhookMessageID, endpointID: WebhookEndpointID, attemptedAt: Date, succeeded: Bool, statusCode: Int?,
                durationMilliseconds: Int, responseBody: String?, error: String?) {
        self.messageID = messageID
        self.endpointID = endpointID
        self.attemptedAt = attemptedAt
        self.succeeded = succeeded
        self.statusCode = statusCode
        self.durationMilliseconds = durationMilliseconds
        self.responseBody = responseBody
        self.error = error
    }
}

/// The webhook event types and where each comes from. A module's events join by being
/// declared — in the layer that owns the `/v1` representation, so `data` is the resource as the
/// API returns it: the integration event, the type receivers see, and the tenant and `data`
/// JSON it makes. Notifications subscribes to each declared event (`WebhookEventSink`).
public struct WebhookCatalog: Sendable {
    public struct Entry: Sendable {
        public let type: String
        public let summary: String
        /// Subscribes the sink to the integration event (nil for `webhook.test`, made on request).
        public let connect: (@Sendable (any WebhookEventSink) -> Void)?
    }

    public static let testType = "webhook.test"
    public private(set) var entries: [Entry] = [Entry(type: testType, summary: "A test message, sent on request.", connect: nil)]

    public init() {}

    public var types: [String] { entries.map(\.type) }

    /// Declares that every `E` becomes a message of `type` for the endpoints that want it.
    /// `data` answers nil for an event that cannot make one (stored before it carried its
    /// resource, say, and handled after an upgrade): no message, rather than a dead letter.
    public mutating func declare<E: IntegrationEvent>(
        _ event: E.Type, as type: String, summary: String,
        _ data: @escaping @Sendable (E) throws -> WebhookData?
    ) {
        precondition(!types.contains(type), "webhook type \(type) declared twice")
        entries.append(Entry(type: type, summary: summary, connect: { sink in sink.receive(E.self, as: type, data) }))
    }
}

/// What a declared event becomes: whose it is, and the JSON of the message's `data`.
public struct WebhookData: Sendable {
    public let tenantID: TenantID
    public let json: Data
    /// What the message is about when another module owns it (`order/<id>`): that module hears
    /// of each delivery (`WebhookDelivered`).
    public let about: String?

    public init(tenantID: TenantID, json: Data, about: String? = nil) {
        self.tenantID = tenantID
        self.json = json
        self.about = about
    }
}

/// Where declared events go: Notifications turns each into a message in the transaction that
/// consumes the event.
public protocol WebhookEventSink {
    func receive<E: IntegrationEvent>(_ event: E.Type, as type: String, _ data: @escaping @Sendable (E) throws -> WebhookData?)
}

extension AppError.Code {
    public static let webhookEndpointNotFound = Self("webhook_endpoint_not_found", kind: .notFound)
    public static let webhookMessageNotFound = Self("webhook_message_not_found", kind: .notFound)
    public static let webhookEndpointLimit = Self("webhook_endpoint_limit", kind: .conflict)
    public static let webhookEndpointDisabled = Self("webhook_endpoint_disabled", kind: .conflict)
}

/// The system disabled a tenant's endpoint (it answered 410 Gone, or failed for days): its
/// owners are told, so nothing stops silently.
public struct WebhookEndpointDisabled: IntegrationEvent, Equatable {
    public static let eventType = "notifications.webhook_endpoint_disabled.v1"
    public let tenantID: TenantID
    public let endpointID: WebhookEndpointID
    public let url: String
    public let reason: String
    public let disabledAt: Date

    public init(tenantID: TenantID, endpointID: WebhookEndpointID, url: String, reason: String, disabledAt: Date) {
        self.tenantID = tenantID
        self.endpointID = endpointID
        self.url = url
        self.reason = reason
        self.disabledAt = disabledAt
    }
}

/// A message about another module's record (`about`: `order/<id>`) reached an endpoint:
/// published in the transaction that records the delivery, so the owner hears of each once.
public struct WebhookDelivered: IntegrationEvent, Equatable {
    public static let eventType = "notifications.webhook_delivered.v1"
    public let tenantID: TenantID
    public let messageID: WebhookMessageID
    public let about: String
    public let type: String
    public let url: String
    public let statusCode: Int
    public let deliveredAt: Date

    public init(tenantID: TenantID, messageID: WebhookMessageID, about: String, type: String, url: String, statusCode: Int,
                deliveredAt: Date) {
        self.tenantID = tenantID
        self.messageID = messageID
        self.about = about
        self.type = type
        self.url = url
        self.statusCode = statusCode
        self.deliveredAt = deliveredAt
    }
}
