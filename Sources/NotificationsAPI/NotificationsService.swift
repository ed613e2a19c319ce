public import Foundation
public import Kernel

/// The Notifications module's public face: what was sent to whom, for operators and the staff
/// console. Nothing here sends mail: other modules publish events, and Notifications decides
/// what to send (see `NotificationsModule.subscribe`).
public protocol NotificationsService: Sendable {
    /// The development mailbox, newest first (across tenants: an operator's view).
    func mailbox(limit: Int, recipient: String?) async throws -> [MailboxMessage]
    /// One message of the development mailbox.
    func mailboxMessage(_ id: MessageID) async throws -> MailboxMessage?
    /// The delivery log, newest first: every queued, sent and failed message; optionally of
    /// one status, and to recipients whose address contains `recipient` (any case).
    func deliveries(limit: Int, status: Delivery.Status?, recipient: String?) async throws -> [Delivery]
    /// Queues a failed message again with a fresh attempt budget; returns its tenant.
    @discardableResult
    func retry(_ id: MessageID) async throws -> TenantID
}

/// One outgoing email.
public struct MessageID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// A message as the development transport delivered it.
public struct MailboxMessage: Sendable, Equatable {
    public let id: MessageID
    public let tenantID: TenantID
    public let recipient: String
    public let subject: String
    /// The whole message as SMTP would have carried it (headers and MIME parts).
    public let mime: String
    public let text: String
    public let html: String
    public let deliveredAt: Date

    public init(id: MessageID, tenantID: TenantID, recipient: String, subject: String, mime: String, text: String,
                html: String, deliveredAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.recipient = recipient
        self.subject = subject
        self.mime = mime
        self.text = text
        self.html = html
        self.deliveredAt = deliveredAt
    }
}

/// A message's place in the delivery log.
public struct Delivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable { case queued, sent, failed }
    public let id: MessageID
    public let tenantID: TenantID
    public let kind: String
    public let recipient: String
    public let subject: String
    public let status: Status
    public let attempts: Int
    public let lastError: String?
    public let transport: String?
    public let createdAt: Date
    public let sentAt: Date?

    public init(id: MessageID, tenantID: TenantID, kind: String, recipient: String, subject: String, status: Status,
                attempts: Int, lastError: String?, transport: String?, createdAt: Date, sentAt: Date?) {
        self.id = id
        self.tenantID = tenantID
        self.kind = kind
        self.recipient = recipient
        self.subject = subject
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.transport = transport
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

extension AppError.Code {
    public static let messageNotFound = Self("message_not_found", kind: .notFound)
}

/// An email about something another module owns (`about`: `order/<id>`) left Keel: published in
/// the transaction that records it sent, so the owner hears of each sent email once.
public struct EmailSent: IntegrationEvent, Equatable {
    public static let eventType = "notifications.email_sent.v1"
    public let tenantID: TenantID
    public let messageID: MessageID
    public let about: String
    /// The email's template: `order_placed`, `order_refunded`, …
    public let kind: String
    public let recipient: String
    public let subject: String
    public let sentAt: Date

    public init(tenantID: TenantID, messageID: MessageID, about: String, kind: String, recipient: String, subject: String,
                sentAt: Date) {
        self.tenantID = tenantID
        self.messageID = messageID
        self.about = about
        self.kind = kind
        self.recipient = recipient
        self.subject = subject
        self.sentAt = sentAt
    }
}
