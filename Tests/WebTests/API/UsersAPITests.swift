import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("API: users, pagination and optimistic concurrency")
struct UsersAPITests {
    @Test("lists page with a cursor: every user once, in order, stable while users are added")
    func pagination() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            for _ in 0..<11 { _ = try await LiveAPI.addUser(api, db, to: tenant, role: .viewer) }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "/v1/users?limit=5" + (cursor.map { "&starting_after=\($0)" } ?? "")
                let page = try await api.call(.get, query, token: tenant.token)
                #expect(page.status == .ok)
                seen += page.json["data"].array.compactMap { $0["id"].string }
                cursor = page.json["next_cursor"].string
                #expect(page.json["has_more"].bool == (cursor != nil))
                pages += 1
                // A user added mid-way lands after the cursor (ids are time-ordered): seen once.
                if pages == 1 { _ = try await LiveAPI.addUser(api, db, to: tenant, role: .viewer) }
            } while cursor != nil
            #expect(seen.count == 13)
            #expect(Set(seen).count == seen.count)
            #expect(seen == seen.sorted())
            #expect(pages == 3)

            let defaults = try await api.call(.get, "/v1/users", token: tenant.token)
            #expect(defaults.json["data"].array.count == 13)
            for bad in ["limit=0", "limit=101", "limit=abc", "starting_after=!!!", "starting_after=bm9wZQ"] {
                let response = try await api.call(.get, "/v1/users?\(bad)", token: tenant.token)
                #expect(response.status.code / 100 == 4, "\(bad): \(response.status)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test("updates need If-Match: 428 without, 412 with a stale version (naming the current one), 200 with the ETag")
    func optimisticConcurrency() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            let read = try await api.call(.get, "/v1/users/\(member.id)", token: tenant.token)
            #expect(read["ETag"] == "\"1\"")

            let missing = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"admin"}"#, token: tenant.token)
            #expect(missing.status.code == 428)
            #expect(missing.code == "precondition_required")

            let updated = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"admin"}"#,
                                             token: tenant.token, headers: ["If-Match": "\"1\""])
            #expect(updated.status == .ok)
            #expect(updated.json["role"].string == "admin")
            #expect(updated["ETag"] == "\"2\"")

            // A second editor who read version 1 does not overwrite the first.
            let stale = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"viewer"}"#,
                                           token: tenant.token, headers: ["If-Match": "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.code == "version_mismatch")
            #expect(stale.json["current_version"].int == 2)

            let staleDelete = try await api.call(.delete, "/v1/users/\(member.id)", token: tenant.token, headers: ["If-Match": "\"1\""])
            #expect(staleDelete.status == .preconditionFailed)
            let empty = try await api.call(.patch, "/v1/users/\(member.id)", json: "{}", token: tenant.token, headers: ["If-Match": "\"2\""])
            #expect(empty.status.code / 100 == 4)
            let badRole = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"emperor"}"#,
                                             token: tenant.token, headers: ["If-Match": "\"2\""])
            #expect(badRole.status == .badRequest)

            #expect(try await api.call(.delete, "/v1/users/\(member.id)", token: tenant.token, headers: ["If-Match": "\"2\""]).status == .noContent)
            #expect(try await api.call(.get, "/v1/users/\(member.id)", token: tenant.token).status == .notFound)
            #expect(try await api.call(.get, "/v1/users/not-a-uuid", token: tenant.token).status == .notFound)
        }
    }

    @Test("deactivating a user ends their sessions at once; the audit log has before and after")
    func deactivationEndsSessions() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            #expect(try await api.call(.get, "/v1/me", token: member.token).status == .ok)
            let response = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"status":"deactivated"}"#,
                                              token: tenant.token, headers: ["If-Match": "\"1\""])
            #expect(response.status == .ok)
            #expect(try await api.call(.get, "/v1/me", token: member.token).status == .unauthorized)

            // (found by action, not as the newest entry: the sign-up saga's own entries — the
            // trial Billing starts through the outbox — may land after it on a busy machine)
            let audit = try await api.call(.get, "/v1/audit-events?limit=50", token: tenant.token)
            let entry = try #require(audit.json["data"].array.first { $0["action"].string == "user.deactivated" }, "\(audit.text)")
            #expect(entry["actor_user_id"].string == tenant.ownerID)
            #expect(entry["target"].string == "user/\(member.id)")
            #expect(entry["before"]["status"].string == "active")
            #expect(entry["after"]["status"].string == "deactivated")
            #expect(entry["request_id"].string == response["X-Request-Id"])
        }
    }

    @Test("a tenant always keeps an active owner; only owners grant or remove the owner role")
    func ownerRules() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let demoteSelf = try await api.call(.patch, "/v1/users/\(tenant.ownerID)", json: #"{"role":"admin"}"#,
                                                token: tenant.token, headers: ["If-Match": "\"1\""])
            #expect(demoteSelf.status == .conflict)
            #expect(demoteSelf.code == "last_owner")
            let deleteSelf = try await api.call(.delete, "/v1/users/\(tenant.ownerID)", token: tenant.token, headers: ["If-Match": "\"1\""])
            #expect(deleteSelf.code == "last_owner")

            let admin = try await LiveAPI.addUser(api, db, to: tenant, role: .admin)
            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            let promote = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"owner"}"#,
                                             token: admin.token, headers: ["If-Match": "\"1\""])
            #expect(promote.status == .forbidden)
            let demoteOwner = try await api.call(.patch, "/v1/users/\(tenant.ownerID)", json: #"{"status":"deactivated"}"#,
                                                 token: admin.token, headers: ["If-Match": "\"1\""])
            #expect(demoteOwner.status == .forbidden)

            // With a second owner, the first may step down.
            #expect(try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"owner"}"#,
                                       token: tenant.token, headers: ["If-Match": "\"1\""]).status == .ok)
            #expect(try await api.call(.patch, "/v1/users/\(tenant.ownerID)", json: #"{"role":"admin"}"#,
                                       token: tenant.token, headers: ["If-Match": "\"1\""]).status == .ok)
        }
    }

    @Test("two owners demoting each other at once: one wins, the tenant keeps an owner")
    func concurrentDemotions() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let second = try await LiveAPI.addUser(api, db, to: tenant, role: .owner)
            async let a = api.call(.patch, "/v1/users/\(second.id)", json: #"{"role":"member"}"#,
                                   token: tenant.token, headers: ["If-Match": "\"1\""])
            async let b = api.call(.patch, "/v1/users/\(tenant.ownerID)", json: #"{"role":"member"}"#,
                                   token: second.token, headers: ["If-Match": "\"1\""])
            let statuses = [try await a.status, try await b.status]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(!statuses.contains { $0.code >= 500 })
            let owners = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("select count(*)::int as n from accounts.users where role = 'owner' and status = 'active'")[0]
                    .decode("n", as: Int.self)
            }
            #expect(owners == 1)
        }
    }
}
