import AccountsAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NotificationsAPI

/// A tenant's webhooks in the console: its endpoints with their health, each endpoint's
/// messages (filtered by delivery status), one message with every attempt, and replay with a
/// reason (audited in Notifications).
extension AdminConsole {
    struct EndpointRow: Encodable, Sendable {
        let id: String
        let url: String
        let description: String
        let eventTypes: String
        let enabled: Bool
        let disabledReason: String?
        let lastSuccessAt: Date?
        let failingSince: Date?
        let createdAt: Date
    }

    struct WebhooksPage: Encodable, Sendable {
        let tenant: TenantView
        let endpoints: [EndpointRow]
    }

    struct MessageRow: Encodable, Sendable {
        let id: String
        let type: String
        let createdAt: Date
        let status: String
        let attempts: Int
        let nextAttemptAt: Date?
        let lastError: String?
    }

    struct WebhookEndpointPage: Encodable, Sendable {
        let tenant: TenantView
        let endpoint: EndpointRow
        let statusOptions: [Option]
        let messages: [MessageRow]
        let nextURL: String?
        let canReplay: Bool
        /// The bulk replay form's day, as typed (kept when it is refused).
        let replaySince: String
    }

    struct AttemptRow: Encodable, Sendable {
        let endpointID: String
        let attemptedAt: Date
        let outcome: String
        let statusCode: Int?
        let durationMs: Int
        let responseBody: String?
        let error: String?
    }

    struct WebhookMessagePage: Encodable, Sendable {
        let tenant: TenantView
        let id: String
        let type: String
        let createdAt: Date
        let body: String
        let deliveries: [MessageRow]
        let attempts: [AttemptRow]
        let canReplay: Bool
    }

    func tenantWebhooks(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let tenantID = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        let tenant = try await self.tenant(session, tenantID)
        let endpoints = try await webhooks.endpoints(session.principal, tenantID: tenantID)
        return try page("webhooks", WebhooksPage(tenant: TenantView(tenant), endpoints: endpoints.map(Self.endpointRow)),
                        chrome: Chrome(session, section: "tenants"))
    }

    func webhookEndpoint(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let status = request.query("status").flatMap { $0.isEmpty ? nil : $0 }
        let filter = status.flatMap(WebhookDeliveryStatus.init(rawValue:))
        guard let pageRequest = try? PageRequest(limit: 50, startingAfter: request.query("after")) else {
            throw AppError(.invalidInput, "The page link is not valid; start from the first page.")
        }
        return try await webhookEndpointPage(
            session, context, filter: filter, pageRequest: pageRequest,
            notice: AdminNotice.text(request.query("done")),
            error: status != nil && filter == nil ? "Choose a delivery status from the list." : nil)
    }

    /// Sends again every message whose delivery to the endpoint failed, of those made since the
    /// start of a day (UTC), with a reason.
    func replayFailedWebhooks(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .accountSupport)
        let tenantID = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        let endpointID = try Self.id(context, "endpoint", as: WebhookEndpointID.self, notFound: .webhookEndpointNotFound)
        let since = form["since"] ?? ""
        func refused(_ sentence: String) async throws -> Response {
            try await webhookEndpointPage(session, context, filter: nil, pageRequest: try PageRequest(limit: 50, startingAfter: nil),
                                          error: sentence, replaySince: since, status: .unprocessableContent)
        }
        guard let day = Self.day(since.trimmingCharacters(in: .whitespaces)) else {
            return try await refused("Give the day to start from, like 2026-11-21.")
        }
        do {
            let count = try await webhooks.replayFailed(session.principal, tenantID: tenantID, endpoint: endpointID, since: day,
                                                        reason: form["reason"] ?? "")
            return redirect("/admin/tenants/\(tenantID)/webhooks/\(endpointID)", done: count == 0 ? "webhooks_none_failed" : "webhooks_replayed")
        } catch let error as AppError where error.isClientError && error.code != .webhookEndpointNotFound && error.code != .tenantNotFound {
            return try await refused(Self.sentence(error))
        }
    }

    private func webhookEndpointPage(_ session: StaffSession, _ context: KeelRequestContext, filter: WebhookDeliveryStatus?,
                                     pageRequest: PageRequest, notice: String? = nil, error: String? = nil, replaySince: String = "",
                                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let tenantID = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        let endpointID = try Self.id(context, "endpoint", as: WebhookEndpointID.self, notFound: .webhookEndpointNotFound)
        var chrome = Chrome(session, section: "tenants", notice: notice)
        chrome.error = error
        let tenant = try await self.tenant(session, tenantID)
        guard let endpoint = try await webhooks.endpoints(session.principal, tenantID: tenantID).first(where: { $0.id == endpointID }) else {
            throw AppError(.webhookEndpointNotFound, "There is no such webhook endpoint.")
        }
        let found = try await webhooks.messages(session.principal, tenantID: tenantID, endpoint: endpointID, status: filter, page: pageRequest)
        let base = "/admin/tenants/\(tenantID)/webhooks/\(endpointID)?status=\(filter?.rawValue ?? "")"
        return try page("webhook_endpoint", WebhookEndpointPage(
            tenant: TenantView(tenant), endpoint: Self.endpointRow(endpoint),
            statusOptions: Option.list([("", "Any")] + WebhookDeliveryStatus.allCases.map { ($0.rawValue, $0.rawValue) }, selected: filter?.rawValue ?? ""),
            messages: found.items.compactMap { message in message.deliveries.first.map { Self.messageRow(message, $0) } },
            nextURL: found.nextCursor.map { "\(base)&after=\(Self.encode($0))" },
            canReplay: session.principal.can(.accountSupport), replaySince: replaySince), chrome: chrome, status: status)
    }

    func webhookMessage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        return try await webhookMessagePage(session, context, notice: AdminNotice.text(request.query("done")))
    }

    func replayWebhook(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .accountSupport)
        let (tenantID, messageID) = try Self.webhookMessagePath(context)
        do {
            _ = try await webhooks.replay(session.principal, tenantID: tenantID, message: messageID, reason: form["reason"] ?? "")
            return redirect("/admin/tenants/\(tenantID)/webhook-messages/\(messageID.wire)", done: "webhook_replayed")
        } catch let error as AppError where error.isClientError && error.code != .webhookMessageNotFound && error.code != .tenantNotFound {
            return try await webhookMessagePage(session, context, error: Self.sentence(error), status: .unprocessableContent)
        }
    }

    private func webhookMessagePage(_ session: StaffSession, _ context: KeelRequestContext, notice: String? = nil, error: String? = nil,
                                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let (tenantID, messageID) = try Self.webhookMessagePath(context)
        let tenant = try await self.tenant(session, tenantID)
        let (message, attempts) = try await webhooks.message(session.principal, tenantID: tenantID, id: messageID)
        var chrome = Chrome(session, section: "tenants", notice: notice)
        chrome.error = error
        return try page("webhook_message", WebhookMessagePage(
            tenant: TenantView(tenant), id: message.id.wire, type: message.eventType, createdAt: message.createdAt, body: message.body,
            deliveries: message.deliveries.map { Self.messageRow(message, $0) },
            attempts: attempts.map { attempt in
                AttemptRow(endpointID: attempt.endpointID.description, attemptedAt: attempt.attemptedAt,
                           outcome: attempt.succeeded ? "succeeded" : "failed", statusCode: attempt.statusCode,
                           durationMs: attempt.durationMilliseconds, responseBody: attempt.responseBody, error: attempt.error)
            },
            canReplay: session.principal.can(.accountSupport)), chrome: chrome, status: status)
    }

    static func webhookMessagePath(_ context: KeelRequestContext) throws -> (TenantID, WebhookMessageID) {
        let tenantID = try id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        guard let messageID = WebhookMessageID(wire: try path(context, "message")) else {
            throw AppError(.webhookMessageNotFound, "There is no such webhook message.")
        }
        return (tenantID, messageID)
    }

    static func endpointRow(_ endpoint: WebhookEndpoint) -> EndpointRow {
        EndpointRow(id: endpoint.id.description, url: endpoint.url, description: endpoint.description,
                    eventTypes: endpoint.eventTypes.isEmpty ? "every type" : endpoint.eventTypes.joined(separator: ", "),
                    enabled: endpoint.enabled, disabledReason: endpoint.disabledReason, lastSuccessAt: endpoint.lastSuccessAt,
                    failingSince: endpoint.failingSince, createdAt: endpoint.createdAt)
    }

    static func messageRow(_ message: WebhookMessage, _ delivery: WebhookMessage.Delivery) -> MessageRow {
        MessageRow(id: message.id.wire, type: message.eventType, createdAt: message.createdAt, status: delivery.status.rawValue,
                   attempts: delivery.attempts, nextAttemptAt: delivery.nextAttemptAt, lastError: delivery.lastError)
    }
}
