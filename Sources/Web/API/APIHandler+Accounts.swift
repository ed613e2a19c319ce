import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension APIHandler {
    func signUp(_ input: Operations.SignUp.Input) async throws -> Operations.SignUp.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let request = APIRequest.current
        _ = try limits.admitAnonymous("signup", address: request.clientAddress)
        let signUp = SignUp(tenantSlug: body.tenant.slug, tenantName: body.tenant.name, ownerEmail: body.owner.email,
                            ownerPassword: body.owner.password, ownerName: body.owner.name, requestID: request.requestID)
        let operation = IdempotentOperation(
            store: idempotency, scope: .anonymous, key: request.idempotencyKey, operationID: Operations.SignUp.id,
            body: body, status: 201,
            response: { (result: SignUpResult) in
                try Components.Schemas.SignUpResponse(tenant: .init(result.tenant), owner: .init(result.owner))
            })
        switch try await operation.run({ completion in try await accounts.signUp(signUp, idempotency: completion) }) {
        case .fresh(let response):
            request.facts?.tenantID = TenantID(response.tenant.id)
            return .created(.init(body: .json(response)))
        case .replayed(let response):
            return .created(.init(headers: .init(idempotentReplayed: ._true), body: .json(response)))
        }
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let principal = try APIRequest.principal()
        let (user, tenant) = try await accounts.me(principal)
        // Every permission the code knows is in the spec: one missing is a loud error here, not
        // a silent gap in what /me (and API keys) can say.
        let permissions: [Components.Schemas.Permission] = try principal.permissions.sorted().map { try schemaValue($0) }
        let awaiting = user.emailVerified ? [] : OperationAccess.needVerifiedEmail.filter { operation in
            if case .permission(let needed) = OperationAccess.table[operation] { principal.can(needed) } else { true }
        }
        return .ok(.init(body: .json(.init(
            user: try .init(user), tenant: .init(tenant), permissions: permissions, emailVerified: user.emailVerified,
            awaitingVerification: awaiting, mfaEnabled: user.mfaEnabled, mfaEnrolmentRequired: principal.mfaEnrolmentRequired,
            credential: principal.sessionID == nil ? .apiKey : .session))))
    }

    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let events = try await accounts.auditEvents(try APIRequest.principal(), page: page)
        return .ok(.init(body: .json(.init(data: try events.items.map(Components.Schemas.AuditEvent.init),
                                           hasMore: events.hasMore, nextCursor: events.nextCursor))))
    }
}
