import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Testing

@Suite("API: tenants never see each other")
struct TenantIsolationAPITests {
    @Test("with B's token, every id of A is a 404 on every endpoint; lists and audit show B's rows only")
    func everyIDOfAnotherTenantIsNotFound() async throws {
        try await LiveAPI.run { api, db in
            let a = try await api.signUp(), b = try await api.signUp()
            let aMember = try await LiveAPI.addUser(api, db, to: a, role: .member)
            _ = try await LiveAPI.addUser(api, db, to: b, role: .member)
            let aIDs = [a.ownerID, aMember.id]

            for id in aIDs {
                let get = try await api.call(.get, "/v1/users/\(id)", token: b.token)
                #expect(get.status == .notFound, "GET \(id)")
                let patch = try await api.call(.patch, "/v1/users/\(id)", json: #"{"role":"viewer"}"#,
                                               token: b.token, headers: ["If-Match": "\"1\""])
                #expect(patch.status == .notFound, "PATCH \(id)")
                let delete = try await api.call(.delete, "/v1/users/\(id)", token: b.token, headers: ["If-Match": "\"1\""])
                #expect(delete.status == .notFound, "DELETE \(id)")
                // A cursor made from A's id pages B's list, never A's rows.
                let cursor = PageRequest.cursor(after: UUID(uuidString: id)!)
                let page = try await api.call(.get, "/v1/users?starting_after=\(cursor)", token: b.token)
                #expect(!page.text.contains(a.ownerEmail))
            }
            // A's users are untouched.
            #expect(try await api.call(.get, "/v1/users/\(aMember.id)", token: a.token).json["version"].int == 1)

            let bUsers = try await api.call(.get, "/v1/users", token: b.token)
            #expect(bUsers.json["data"].array.count == 2)
            #expect(!bUsers.text.contains(a.slug))
            let bAudit = try await api.call(.get, "/v1/audit-events?limit=100", token: b.token)
            #expect(bAudit.status == .ok)
            #expect(!bAudit.json["data"].array.isEmpty)
            for id in aIDs + [a.id] { #expect(!bAudit.text.contains(id), "B's audit log mentions \(id)") }
            let bMe = try await api.call(.get, "/v1/me", token: b.token)
            #expect(bMe.json["tenant"]["id"].string == b.id)
            // B cannot end A's session: logout ends only the caller's own.
            #expect(try await api.call(.delete, "/v1/sessions/current", token: b.token).status == .noContent)
            #expect(try await api.call(.get, "/v1/me", token: a.token).status == .ok)
        }
    }
}
