import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension APIHandler {
    func createInvitation(_ input: Operations.CreateInvitation.Input) async throws -> Operations.CreateInvitation.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let principal = try APIRequest.principal()
        let role: Role = try schemaValue(body.role)
        let operation = IdempotentOperation(
            store: idempotency, scope: .principal(principal),
            key: APIRequest.current.idempotencyKey, operationID: Operations.CreateInvitation.id, body: body, status: 201,
            response: { (invitation: Invitation) in try Components.Schemas.Invitation(invitation) })
        switch try await operation.run({ completion in
            try await accounts.invite(principal, email: body.email, role: role, idempotency: completion)
        }) {
        case .fresh(let response):
            return .created(.init(body: .json(response)))
        case .replayed(let response):
            return .created(.init(headers: .init(idempotentReplayed: ._true), body: .json(response)))
        }
    }

    func listInvitations(_ input: Operations.ListInvitations.Input) async throws -> Operations.ListInvitations.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let invitations = try await accounts.invitations(try APIRequest.principal(), page: page)
        return .ok(.init(body: .json(.init(data: try invitations.items.map(Components.Schemas.Invitation.init),
                                           hasMore: invitations.hasMore, nextCursor: invitations.nextCursor))))
    }

    func revokeInvitation(_ input: Operations.RevokeInvitation.Input) async throws -> Operations.RevokeInvitation.Output {
        guard let id = InvitationID(input.path.invitationId) else {
            throw AppError(.invitationNotFound, "There is no such invitation.")
        }
        try await accounts.revokeInvitation(try APIRequest.principal(), id: id)
        return .noContent(.init())
    }

    func acceptInvitation(_ input: Operations.AcceptInvitation.Input) async throws -> Operations.AcceptInvitation.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let request = APIRequest.current
        _ = try limits.admitAnonymous("token", address: request.clientAddress)
        let (tenant, user) = try await accounts.acceptInvitation(
            AcceptInvitation(token: body.token, name: body.name, password: body.password, requestID: request.requestID))
        request.facts?.tenantID = tenant.id
        return .created(.init(body: .json(.init(tenant: .init(tenant), user: try .init(user)))))
    }

    func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let permissions = Set(body.permissions.compactMap { Permission(rawValue: $0.rawValue) })
        let created = try await accounts.createAPIKey(try APIRequest.principal(), name: body.name, permissions: permissions)
        let key = Components.Schemas.APIKey(created.apiKey)
        return .created(.init(body: .json(.init(
            id: key.id, name: key.name, prefix: key.prefix, permissions: key.permissions, createdBy: key.createdBy,
            createdAt: key.createdAt, lastUsedAt: key.lastUsedAt, revokedAt: key.revokedAt, key: created.key))))
    }

    func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let keys = try await accounts.apiKeys(try APIRequest.principal(), page: page)
        return .ok(.init(body: .json(.init(data: keys.items.map(Components.Schemas.APIKey.init),
                                           hasMore: keys.hasMore, nextCursor: keys.nextCursor))))
    }

    func revokeAPIKey(_ input: Operations.RevokeAPIKey.Input) async throws -> Operations.RevokeAPIKey.Output {
        guard let id = APIKeyID(input.path.apiKeyId) else { throw AppError(.apiKeyNotFound, "There is no such API key.") }
        try await accounts.revokeAPIKey(try APIRequest.principal(), id: id)
        return .noContent(.init())
    }
}
