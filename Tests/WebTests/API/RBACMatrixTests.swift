import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Testing
@testable import Web

extension SpecOperation {
    /// The operations of openapi.yaml, read from the repository's file itself.
    static func load() throws -> [SpecOperation] {
        let text = try String(contentsOf: TestDatabase.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        return OpenAPISpec(text: text).operations()
    }
}

@Suite("API: RBAC, role × operation")
struct RBACMatrixTests {
    @Test("every operation in the spec declares the permission the code enforces")
    func specAndCodeAgree() throws {
        let operations = try SpecOperation.load()
        #expect(operations.count == OperationAccess.table.count)
        for operation in operations {
            #expect(OperationAccess.table[operation.operationID]?.specValue == operation.permission, "\(operation)")
        }
    }

    @Test("the full matrix: each role (and no one) against each operation of the spec")
    func matrix() async throws {
        let operations = try SpecOperation.load()
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            var users: [Role: String] = [.owner: tenant.ownerEmail]
            for role in Role.allCases where role != .owner {
                let email = "\(role.rawValue)@\(tenant.slug).test"
                _ = try await LiveAPI.addUser(api, db, to: tenant, role: role, email: email)
                users[role] = email
            }
            var cells = 0
            for operation in operations {
                let access = try #require(OperationAccess.table[operation.operationID])
                for role in [Role?.none] + Role.allCases.map(Optional.some) {
                    // A fresh session per cell (logging out ends one) and a fresh member to act on.
                    var token: String?
                    if let role { token = try await api.logIn(slug: tenant.slug, email: users[role]!) }
                    let victim = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
                    let response = try await Self.call(operation, api: api, token: token, victim: victim.id)
                    let expected: HTTPResponse.Status.Kind
                    switch (access, role) {
                    case (.public, _): expected = .successful
                    case (_, nil): expected = .clientError
                    case (.authenticated, _): expected = .successful
                    case (.permission(let permission), let role?): expected = role.can(permission) ? .successful : .clientError
                    }
                    #expect(response.status.kind == expected, "\(role?.rawValue ?? "anonymous") × \(operation): \(response.status) \(response.text)")
                    if expected == .clientError {
                        #expect(response.status == (role == nil ? .unauthorized : .forbidden), "\(role?.rawValue ?? "anonymous") × \(operation)")
                    }
                    cells += 1
                }
            }
            #expect(cells == operations.count * (Role.allCases.count + 1))
        }
    }

    /// A valid request for each operation, acting on `victim` where it takes a user id.
    static func call(_ operation: SpecOperation, api: API, token: String?, victim: String) async throws -> APIResponse {
        let path = "/v1" + operation.path.replacingOccurrences(of: "{user_id}", with: victim)
        switch operation.operationID {
        case "signUp":
            let slug = API.uniqueSlug("m")
            return try await api.call(.post, path, json: """
                {"tenant":{"slug":"\(slug)","name":"M"},"owner":{"email":"o@\(slug).test","password":"\(API.password)","name":"O"}}
                """, token: token)
        case "createSession":
            let other = try await api.signUp()
            return try await api.call(.post, path, json: #"{"tenant":"\#(other.slug)","email":"\#(other.ownerEmail)","password":"\#(API.password)"}"#,
                                      token: token)
        case "updateUser":
            return try await api.call(.patch, path, json: #"{"role":"viewer"}"#, token: token, headers: ["If-Match": "\"1\""])
        case "deleteUser":
            return try await api.call(.delete, path, token: token, headers: ["If-Match": "\"1\""])
        default:
            return try await api.call(operation.method, path, token: token)
        }
    }
}
