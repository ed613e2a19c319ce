import AccountsAPI
import Foundation
import Kernel
import OpenAPIRuntime

extension APIHandler {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let page = try PageRequest(limit: input.query.limit, startingAfter: input.query.startingAfter)
        let users = try await accounts.users(try APIRequest.principal(), page: page)
        return .ok(.init(body: .json(.init(data: try users.items.map(Components.Schemas.User.init),
                                           hasMore: users.hasMore, nextCursor: users.nextCursor))))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        let user = try await accounts.user(try APIRequest.principal(), id: try Self.userID(input.path.userId))
        return .ok(.init(headers: .init(eTag: Self.etag(user.version)), body: .json(try .init(user))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        guard case .json(let body) = input.body else { throw AppError(.invalidInput, "Expected a JSON body.") }
        let principal = try APIRequest.principal()
        let id = try Self.userID(input.path.userId)
        let version = try Self.expectedVersion(input.headers.ifMatch)
        guard body.role != nil || body.status != nil else {
            throw AppError.validation([FieldError(field: "body", code: "empty_change",
                                                  message: "Send at least one of role and status.")])
        }
        let change = UserChange(role: try body.role.map { try schemaValue($0) as Role },
                                status: try body.status.map { try schemaValue($0) as User.Status })
        let user = try await accounts.updateUser(principal, id: id, expectedVersion: version, change: change)
        return .ok(.init(headers: .init(eTag: Self.etag(user.version)), body: .json(try .init(user))))
    }

    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        let principal = try APIRequest.principal()
        let id = try Self.userID(input.path.userId)
        try await accounts.deleteUser(principal, id: id, expectedVersion: try Self.expectedVersion(input.headers.ifMatch))
        return .noContent(.init())
    }
}
