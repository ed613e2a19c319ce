import Foundation
import Kernel
import NotificationsAPI
import OpenAPIRuntime

extension APIHandler {
    func createWebhookEndpoint(_ input: Operations.CreateWebhookEndpoint.Input) async throws -> Operations.CreateWebhookEndpoint.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let created = try await webhooks.createEndpoint(try APIRequest.principal(), NewWebhookEndpoint(
            url: body.url, description: body.description ?? "", eventTypes: body.eventTypes ?? [], enabled: body.enabled ?? true))
        return .created(.init(body: .json(.init(created))))
    }

    func listWebhookEndpoints(_ input: Operations.ListWebhookEndpoints.Input) async throws -> Operations.ListWebhookEndpoints.Output {
        .ok(.init(body: .json(.init(data: try await webhooks.endpoints(try APIRequest.principal()).map(Components.Schemas.WebhookEndpoint.init)))))
    }

    func listWebhookEventTypes(_ input: Operations.ListWebhookEventTypes.Input) async throws -> Operations.ListWebhookEventTypes.Output {
        try APIRequest.principal().require(.webhooksManage)
        return .ok(.init(body: .json(.init(data: catalog.entries.map { .init(_type: $0.type, summary: $0.summary) }))))
    }

    func getWebhookEndpoint(_ input: Operations.GetWebhookEndpoint.Input) async throws -> Operations.GetWebhookEndpoint.Output {
        let endpoint = try await webhooks.endpoint(try APIRequest.principal(), id: try Self.endpointID(input.path.endpointId))
        return .ok(.init(headers: .init(eTag: Self.etag(endpoint.version)), body: .json(.init(endpoint))))
    }

    func updateWebhookEndpoint(_ input: Operations.UpdateWebhookEndpoint.Input) async throws -> Operations.UpdateWebhookEndpoint.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let endpoint = try await webhooks.updateEndpoint(
            try APIRequest.principal(), id: try Self.endpointID(input.path.endpointId),
            expectedVersion: try Self.expectedVersion(input.headers.ifMatch),
            WebhookEndpointChange(url: body.url, description: body.description, eventTypes: body.eventTypes, enabled: body.enabled))
        return .ok(.init(headers: .init(eTag: Self.etag(endpoint.version)), body: .json(.init(endpoint))))
    }

    func deleteWebhookEndpoint(_ input: Operations.DeleteWebhookEndpoint.Input) async throws -> Operations.DeleteWebhookEndpoint.Output {
        try await webhooks.deleteEndpoint(try APIRequest.principal(), id: try Self.endpointID(input.path.endpointId))
        return .noContent(.init())
    }

    func rotateWebhookSecret(_ input: Operations.RotateWebhookSecret.Input) async throws -> Operations.RotateWebhookSecret.Output {
        let rotated = try await webhooks.rotateSecret(try APIRequest.principal(), id: try Self.endpointID(input.path.endpointId))
        return .ok(.init(body: .json(.init(rotated))))
    }

    func sendWebhookTest(_ input: Operations.SendWebhookTest.Input) async throws -> Operations.SendWebhookTest.Output {
        let message = try await webhooks.sendTest(try APIRequest.principal(), id: try Self.endpointID(input.path.endpointId))
        return .accepted(.init(body: .json(.init(message))))
    }

    func listWebhookMessages(_ input: Operations.ListWebhookMessages.Input) async throws -> Operations.ListWebhookMessages.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let found = try await webhooks.messages(try APIRequest.principal(), endpoint: try Self.endpointID(input.path.endpointId),
                                                status: try input.query.status.map { try schemaValue($0) as WebhookDeliveryStatus }, page: page)
        return .ok(.init(body: .json(.init(data: found.items.map(Components.Schemas.WebhookMessage.init), hasMore: found.hasMore,
                                           nextCursor: found.nextCursor))))
    }

    func replayFailedWebhooks(_ input: Operations.ReplayFailedWebhooks.Input) async throws -> Operations.ReplayFailedWebhooks.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let count = try await webhooks.replayFailed(try APIRequest.principal(), endpoint: try Self.endpointID(input.path.endpointId),
                                                    since: body.since)
        return .accepted(.init(body: .json(.init(replayed: count))))
    }

    func listWebhookAttempts(_ input: Operations.ListWebhookAttempts.Input) async throws -> Operations.ListWebhookAttempts.Output {
        let attempts = try await webhooks.attempts(try APIRequest.principal(), message: try Self.messageID(input.path.messageId))
        return .ok(.init(body: .json(.init(data: attempts.map(Components.Schemas.WebhookAttempt.init)))))
    }

    func replayWebhookMessage(_ input: Operations.ReplayWebhookMessage.Input) async throws -> Operations.ReplayWebhookMessage.Output {
        let endpoint = try input.query.endpointId.map(Self.endpointID)
        let message = try await webhooks.replay(try APIRequest.principal(), message: try Self.messageID(input.path.messageId),
                                                endpoint: endpoint)
        return .accepted(.init(body: .json(.init(message))))
    }

    static func endpointID(_ text: String) throws -> WebhookEndpointID {
        guard let id = WebhookEndpointID(text) else { throw AppError(.webhookEndpointNotFound, "There is no such webhook endpoint.") }
        return id
    }

    static func messageID(_ text: String) throws -> WebhookMessageID {
        guard let id = WebhookMessageID(wire: text) else { throw AppError(.webhookMessageNotFound, "There is no such webhook message.") }
        return id
    }
}

extension Components.Schemas.WebhookEndpoint {
    init(_ endpoint: WebhookEndpoint) {
        self.init(id: endpoint.id.description, url: endpoint.url, description: endpoint.description, eventTypes: endpoint.eventTypes,
                  enabled: endpoint.enabled, disabledReason: endpoint.disabledReason, lastSuccessAt: endpoint.lastSuccessAt,
                  failingSince: endpoint.failingSince, previousSecretExpiresAt: endpoint.previousSecretExpiresAt,
                  version: endpoint.version, createdAt: endpoint.createdAt)
    }
}

extension Components.Schemas.WebhookEndpointWithSecret {
    init(_ created: CreatedWebhookEndpoint) {
        self.init(value1: .init(created.endpoint), value2: .init(secret: created.secret))
    }
}

extension Components.Schemas.WebhookMessage {
    init(_ message: WebhookMessage) {
        self.init(id: message.id.wire, _type: message.eventType, createdAt: message.createdAt, payload: message.body,
                  deliveries: message.deliveries.map { delivery in
                      .init(endpointId: delivery.endpointID.description, status: .init(rawValue: delivery.status.rawValue) ?? .pending,
                            attempts: delivery.attempts, nextAttemptAt: delivery.nextAttemptAt, lastStatusCode: delivery.lastStatusCode,
                            lastError: delivery.lastError)
                  })
    }
}

extension Components.Schemas.WebhookAttempt {
    init(_ attempt: WebhookAttempt) {
        self.init(messageId: attempt.messageID.wire, endpointId: attempt.endpointID.description, attemptedAt: attempt.attemptedAt,
                  succeeded: attempt.succeeded, statusCode: attempt.statusCode, durationMs: attempt.durationMilliseconds,
                  responseBody: attempt.responseBody, error: attempt.error)
    }
}
