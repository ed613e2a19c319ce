import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("API: Idempotency-Key")
struct IdempotencyAPITests {
    static func body(_ slug: String, name: String = "Tenant") -> String {
        """
        {"tenant":{"slug":"\(slug)","name":"\(name)"},"owner":{"email":"o@\(slug).test","password":"\(API.password)","name":"O"}}
        """
    }

    @Test("a retry gets the stored response, marked Idempotent-Replayed; another body with the key is a 422")
    func replayAndMismatch() async throws {
        try await LiveAPI.run { api, _ in
            let key = UUID().uuidString
            let slug = API.uniqueSlug()
            let first = try await api.call(.post, "/v1/signup", json: Self.body(slug), headers: ["Idempotency-Key": key])
            #expect(first.status == .created)
            #expect(first["Idempotent-Replayed"] == nil)
            // Same body, formatted differently: the same request.
            let reformatted = Self.body(slug).replacingOccurrences(of: ",", with: ", ")
            let second = try await api.call(.post, "/v1/signup", json: reformatted, headers: ["Idempotency-Key": key])
            #expect(second.status == .created)
            #expect(second["Idempotent-Replayed"] == "true")
            #expect(second.json.description == first.json.description)

            let other = try await api.call(.post, "/v1/signup", json: Self.body(API.uniqueSlug()), headers: ["Idempotency-Key": key])
            #expect(other.status == .unprocessableContent)
            #expect(other.code == "idempotency_key_reused")

            let malformed = try await api.call(.post, "/v1/signup", json: Self.body(API.uniqueSlug()),
                                               headers: ["Idempotency-Key": String(repeating: "k", count: 300)])
            #expect(malformed.status.code / 100 == 4)
        }
    }

    @Test("a refused request is stored too: the retry gets the same 409, not a second attempt")
    func refusalIsReplayed() async throws {
        try await LiveAPI.run { api, _ in
            let taken = try await api.signUp()
            let key = UUID().uuidString
            let first = try await api.call(.post, "/v1/signup", json: Self.body(taken.slug), headers: ["Idempotency-Key": key])
            #expect(first.status == .conflict)
            let again = try await api.call(.post, "/v1/signup", json: Self.body(taken.slug), headers: ["Idempotency-Key": key])
            #expect(again.status == .conflict)
            #expect(again["Idempotent-Replayed"] == "true")
            #expect(again.text == first.text)
        }
    }

    @Test("50 concurrent signups with one key make one tenant: the rest are replays or 409s, never a 500")
    func concurrentSignups() async throws {
        try await LiveAPI.run { api, db in
            let key = UUID().uuidString
            let slug = API.uniqueSlug("race")
            let statuses = try await api.concurrentPOSTs(50, "/v1/signup", json: Self.body(slug),
                                                         headers: ["Idempotency-Key": key], reading: "Idempotent-Replayed")
            let fresh = statuses.filter { $0.0 == 201 && $0.1 == nil }.count
            let replays = statuses.filter { $0.0 == 201 && $0.1 == "true" }.count
            let inFlight = statuses.filter { $0.0 == 409 }.count
            #expect(statuses.count == 50)
            #expect(fresh == 1, "\(statuses)")
            #expect(replays + inFlight == 49, "\(statuses)")
            #expect(!statuses.contains { $0.0 >= 500 })
            let tenants = try await db.platform.platform("test: count") { tx in
                try await tx.query("select count(*)::int as n from accounts.tenants where slug = \(slug)")[0].decode("n", as: Int.self)
            }
            #expect(tenants == 1)
        }
    }

    @Test("keys expire: purge removes answers older than the retention period")
    func purge() async throws {
        let db = try await TestDatabase.shared()
        let store = IdempotencyKeys(pool: db.pool, retention: .seconds(3600))
        let key = UUID().uuidString
        guard case .proceed(let claim) = try await store.begin(scope: .anonymous, key: key, fingerprint: [1, 2, 3]) else {
            Issue.record("expected to proceed"); return
        }
        try await store.complete(claim, with: StoredResponse(status: 201, contentType: "application/json", body: Array("{}".utf8)))
        #expect(try await store.begin(scope: .anonymous, key: key, fingerprint: [1, 2, 3])
                == .replay(StoredResponse(status: 201, contentType: "application/json", body: Array("{}".utf8))))
        // Age the row past the retention period, then purge.
        try await db.pool.withUnscopedTransaction { tx in
            try await tx.execute("update platform.idempotency_keys set created_at = now() - interval '2 hours' where key = \(key)")
        }
        #expect(try await store.purge() >= 1)
        if case .proceed = try await store.begin(scope: .anonymous, key: key, fingerprint: [9]) {} else {
            Issue.record("a purged key is free again")
        }
    }
}
