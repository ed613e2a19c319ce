import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension APIHandler {
    func createSession(_ input: Operations.CreateSession.Input) async throws -> Operations.CreateSession.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let request = APIRequest.current
        _ = try limits.admitLogin(address: request.clientAddress, tenant: body.tenant, email: body.email)
        let outcome = try await accounts.logIn(LogIn(tenantSlug: body.tenant, email: body.email, password: body.password,
                                                     source: request.clientAddress, userAgent: request.userAgent,
                                                     requestID: request.requestID))
        // The password was right (a session, or a code to come): this address is the account's own.
        limits.loginSucceeded(address: request.clientAddress, tenant: body.tenant, email: body.email)
        switch outcome {
        case .session(let session):
            request.facts?.tenantID = session.user.tenantID
            return .created(.init(body: .json(try .init(session))))
        case .mfaRequired(let challenge):
            return .accepted(.init(body: .json(.init(challengeToken: challenge.token, expiresAt: challenge.expiresAt))))
        }
    }

    func completeMFAChallenge(_ input: Operations.CompleteMFAChallenge.Input) async throws -> Operations.CompleteMFAChallenge.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let request = APIRequest.current
        _ = try limits.admitAnonymous("mfa", address: request.clientAddress)
        let code: MFAChallengeAnswer.Code
        switch (body.code, body.recoveryCode) {
        case (let totp?, nil): code = .totp(totp)
        case (nil, let recovery?): code = .recovery(recovery)
        default:
            throw AppError.validation([FieldError(field: "code", code: "exactly_one",
                                                  message: "Send exactly one of code and recovery_code.")])
        }
        let session = try await accounts.completeMFAChallenge(
            MFAChallengeAnswer(challengeToken: body.challengeToken, code: code, requestID: request.requestID))
        request.facts?.tenantID = session.user.tenantID
        return .created(.init(body: .json(try .init(session))))
    }

    func deleteCurrentSession(_ input: Operations.DeleteCurrentSession.Input) async throws -> Operations.DeleteCurrentSession.Output {
        try await accounts.logOut(try APIRequest.principal())
        return .noContent(.init())
    }

    func listSessions(_ input: Operations.ListSessions.Input) async throws -> Operations.ListSessions.Output {
        let principal = try APIRequest.principal()
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let sessions = try await accounts.sessions(principal, page: page)
        return .ok(.init(body: .json(.init(
            data: sessions.items.map { session in
                .init(id: session.id.description, createdAt: session.createdAt, lastSeenAt: session.lastSeenAt,
                      expiresAt: session.expiresAt, userAgent: session.userAgent, ipAddress: session.ipAddress,
                      current: session.id == principal.sessionID,
                      supportView: session.supportView.map { view in
                          .init(staffName: view.staffName, reason: view.reason, startedAt: view.startedAt, endsAt: view.endsAt,
                                endedAt: view.endedAt, canChange: view.canChange)
                      })
            },
            hasMore: sessions.hasMore, nextCursor: sessions.nextCursor))))
    }

    func deleteSession(_ input: Operations.DeleteSession.Input) async throws -> Operations.DeleteSession.Output {
        guard let id = SessionID(input.path.sessionId) else { throw AppError(.sessionNotFound, "You have no session with that id.") }
        try await accounts.endSession(try APIRequest.principal(), id: id)
        return .noContent(.init())
    }
}
