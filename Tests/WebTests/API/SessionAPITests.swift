import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("API: sessions and login abuse")
struct SessionAPITests {
    @Test("login gives a new opaque token each time, stored only as a hash; /me answers; logout ends it")
    func loginMeLogout() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let second = try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail)
            #expect(second != tenant.token)
            #expect(second.hasPrefix("keel_") && second.count == 48)

            let me = try await api.call(.get, "/v1/me", token: tenant.token)
            #expect(me.status == .ok)
            #expect(me.json["user"]["id"].string == tenant.ownerID)
            #expect(me.json["tenant"]["slug"].string == tenant.slug)
            #expect(me.json["permissions"].array.compactMap(\.string).contains("users.manage"))

            // No column holds the token itself.
            let stored = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("select encode(token_hash, 'hex') as h from accounts.sessions").map { try $0.decode("h", as: String.self) }
            }
            #expect(stored.count == 2)
            #expect(!stored.contains { $0.contains(tenant.token) })

            #expect(try await api.call(.delete, "/v1/sessions/current", token: tenant.token).status == .noContent)
            let after = try await api.call(.get, "/v1/me", token: tenant.token)
            #expect(after.status == .unauthorized)
            #expect(after.code == "unauthenticated")
            // The other session is untouched.
            #expect(try await api.call(.get, "/v1/me", token: second).status == .ok)
        }
    }

    @Test("unknown tenant, unknown email, wrong password and a deactivated user get the same answer, and each is audited")
    func sameAnswerForEveryFailure() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member, email: "m@\(tenant.slug).test")
            let user = try await api.call(.get, "/v1/users/\(member.id)", token: tenant.token)
            let deactivate = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"status":"deactivated"}"#,
                                                token: tenant.token, headers: ["If-Match": try #require(user["ETag"])])
            #expect(deactivate.status == .ok)

            let attempts = [
                #"{"tenant":"no-such-tenant-\#(UInt32.random(in: 0...UInt32.max))","email":"x@y.test","password":"whatever1"}"#,
                #"{"tenant":"\#(tenant.slug)","email":"nobody@y.test","password":"whatever1"}"#,
                #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"wrong password"}"#,
                #"{"tenant":"\#(tenant.slug)","email":"m@\#(tenant.slug).test","password":"\#(API.password)"}"#,
            ]
            var bodies: Set<String> = []
            for attempt in attempts {
                let response = try await api.call(.post, "/v1/sessions", json: attempt)
                #expect(response.status == .unauthorized)
                #expect(response.code == "invalid_credentials")
                var json = try #require(response.json.value as? [String: Any])
                json["request_id"] = nil
                bodies.insert(JSON(json).description)
            }
            #expect(bodies.count == 1, "the bodies differ: \(bodies)")

            let audited = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("""
                    select after->>'reason' as reason from platform.audit_log
                    where tenant_id = \(tx.tenantID) and action = 'session.login_failed' order by audit_id
                    """).map { try $0.decode("reason", as: String.self) }
            }
            #expect(audited == ["unknown_email", "wrong_password", "deactivated"])
        }
    }

    @Test("repeated failures from one address back off for that address only; the real user still logs in")
    func backoffIsPerSource() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            for _ in 0..<7 {
                let response = try await api.call(.post, "/v1/sessions",
                                                  json: #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"wrong password"}"#)
                #expect(response.status == .unauthorized)
            }
            // The test client's address is now backing off: even the right password is refused, the same way.
            let blocked = try await api.call(.post, "/v1/sessions",
                                             json: #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"\#(API.password)"}"#)
            #expect(blocked.status == .unauthorized)
            #expect(blocked.code == "invalid_credentials")
            let reasons = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("""
                    select after->>'reason' as reason from platform.audit_log
                    where tenant_id = \(tx.tenantID) and action = 'session.login_failed' order by audit_id desc limit 1
                    """).map { try $0.decode("reason", as: String.self) }
            }
            #expect(reasons == ["backing_off"])
            // From another address the account is untouched: the back-off row is per source.
            let rows = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("select source, failures from accounts.login_failures").map {
                    (try $0.decode("source", as: String.self), try $0.decode("failures", as: Int.self))
                }
            }
            #expect(rows.count == 1)
            #expect(rows.first?.1 ?? 0 >= 7)
        }
    }

    @Test("a malformed or unknown bearer token is a 401, even on a public operation")
    func badTokens() async throws {
        try await LiveAPI.run { api, _ in
            for header in ["Bearer nope", "Basic abc", "Bearer keel_" + String(repeating: "A", count: 43), "Bearer"] {
                let response = try await api.call(.get, "/v1/me", headers: ["Authorization": header])
                #expect(response.status == .unauthorized, "\(header)")
            }
            #expect(try await api.call(.get, "/v1/me").status == .unauthorized)
        }
    }

    @Test("login and signup are rate-limited per address and per account: 429 with Retry-After and RateLimit headers")
    func rateLimits() async throws {
        try await LiveAPI.run({ $0.rateLimitLoginAccount = 3; $0.rateLimitLoginAddress = 100 }) { api, _ in
            let tenant = try await api.signUp()   // the owner signs in once, from this address
            // An account that has never signed in from this address: its limit applies.
            var last: APIResponse?
            for _ in 0..<4 {
                last = try await api.call(.post, "/v1/sessions",
                                          json: #"{"tenant":"\#(tenant.slug)","email":"guesser-target@example.com","password":"wrong password"}"#)
            }
            let refused = try #require(last)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.code == "rate_limited")
            #expect(Int(refused["Retry-After"] ?? "") ?? 0 >= 1)
            #expect(refused["RateLimit-Limit"] == "3")
            #expect(refused["RateLimit-Remaining"] == "0")
            #expect(refused["RateLimit-Reset"] != nil)
            // The owner's account, from the address it signed in from: held to the per-address
            // limit only, so others hammering the account cannot keep its owner out.
            for _ in 0..<5 {
                let owner = try await api.call(.post, "/v1/sessions",
                                               json: #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"wrong password"}"#)
                #expect(owner.status == .unauthorized)
            }
        }
        try await LiveAPI.run({ $0.rateLimitCredential = 5 }) { api, _ in
            let tenant = try await api.signUp()
            var statuses: [Int] = []
            for _ in 0..<7 { statuses.append(Int(try await api.call(.get, "/v1/me", token: tenant.token).status.code)) }
            #expect(statuses.prefix(5).allSatisfy { $0 == 200 })
            #expect(statuses.last == 429)
            let ok = try await api.call(.get, "/v1/me", token: try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail))
            #expect(ok.status == .ok, "another credential has its own bucket")
            #expect(ok["RateLimit-Limit"] == "5")
        }
    }

    @Test("two instances in one group each apply half of a limit, so together they hold it")
    func limitsHoldAcrossInstances() async throws {
        let group = "pair-\(UUID().uuidString)"
        let shared: @Sendable (inout KeelConfig) -> Void = { $0.instanceGroup = group; $0.rateLimitCredential = 10 }
        try await LiveAPI.run(shared) { first, _ in
            try await LiveAPI.run(shared) { second, _ in
                let tenant = try await first.signUp()
                // Each instance learns of the other at its next heartbeat (every 5 s): a probe
                // credential's RateLimit-Limit says when (a refused probe still says it).
                let probe = try await first.logIn(slug: tenant.slug, email: tenant.ownerEmail)
                for api in [first, second] {
                    var limit: String?
                    for _ in 0..<60 where limit != "5" {
                        limit = try await api.call(.get, "/v1/me", token: probe)["RateLimit-Limit"]
                        if limit != "5" { try await Task.sleep(for: .milliseconds(250)) }
                    }
                    #expect(limit == "5", "each of two instances applies half of the limit of 10")
                }
                // One credential, its requests spread over both: the limit of 10 holds in total.
                var allowed = 0
                for index in 0..<16 {
                    let response = try await (index.isMultiple(of: 2) ? first : second).call(.get, "/v1/me", token: tenant.token)
                    if response.status == .ok { allowed += 1 } else { #expect(response.status == .tooManyRequests) }
                }
                #expect(allowed == 10)
            }
        }
    }
}
