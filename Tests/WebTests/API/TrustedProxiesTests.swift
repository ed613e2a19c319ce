import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing
import Web

/// `KEEL_TRUSTED_PROXIES`: forwarding headers are believed from trusted peers only, and then
/// only up to the rightmost address that is not a trusted proxy.
@Suite("The client's address behind a proxy")
struct TrustedProxiesTests {
    static func headers(_ fields: [(String, String)]) -> HTTPFields {
        var headers = HTTPFields()
        for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return headers
    }

    @Test("the rightmost untrusted hop of X-Forwarded-For or Forwarded, and only from a trusted peer")
    func resolution() throws {
        let trusted = try TrustedProxies(parsing: "10.0.0.0/8, 127.0.0.1, 2001:db8::/32")
        let xff = Self.headers([("X-Forwarded-For", "198.51.100.9, 203.0.113.7, 10.1.2.3")])
        #expect(trusted.clientAddress(peer: "10.0.0.5", headers: xff) == "203.0.113.7",
                "the client could have written 198.51.100.9; the first proxy wrote 203.0.113.7")
        #expect(trusted.clientAddress(peer: "192.0.2.1", headers: xff) == "192.0.2.1", "an untrusted peer's headers are ignored")
        #expect(TrustedProxies.none.clientAddress(peer: "10.0.0.5", headers: xff) == "10.0.0.5", "nothing trusted by default")
        let forwarded = Self.headers([("Forwarded", #"for=198.51.100.9, for="[2001:db8:cafe::17]:4711";proto=https, for=192.0.2.60:8080"#)])
        #expect(trusted.clientAddress(peer: "127.0.0.1", headers: forwarded) == "192.0.2.60")
        let v6 = Self.headers([("Forwarded", #"for="[2600:1f18::5]:4711", for="[2001:db8:cafe::17]""#)])
        #expect(trusted.clientAddress(peer: "127.0.0.1", headers: v6) == "2600:1f18::5")
        let garbage = Self.headers([("X-Forwarded-For", "203.0.113.7, not-an-address")])
        #expect(trusted.clientAddress(peer: "10.0.0.5", headers: garbage) == "10.0.0.5", "a malformed hop: believe nothing")
        let onlyProxies = Self.headers([("X-Forwarded-For", "10.9.9.9, 10.8.8.8")])
        #expect(trusted.clientAddress(peer: "10.0.0.5", headers: onlyProxies) == "10.9.9.9")
        for bad in ["10.0.0.0/33", "not-a-cidr", "::1/129", "10.0.0.0/x"] {
            #expect(throws: AppError.self, "\(bad)") { try TrustedProxies(parsing: bad) }
        }
        #expect(try TrustedProxies(parsing: " ").isEmpty)
    }

    /// The source the login back-off and the audit log recorded for a failed login.
    static func loginSource(_ db: TestDatabase, tenantID: String) async throws -> [String] {
        try await db.platform.platform("test") { tx in
            try await tx.query("""
                select after->>'source' as source from platform.audit_log
                where tenant_id = \(UUID(uuidString: tenantID)!) and action = 'session.login_failed' order by occurred_at
                """).map { try $0.decode("source", as: String.self) }
        }
    }

    @Test("behind a trusted proxy the login back-off, the audit and the per-address limit key on the forwarded client")
    func trustedProxyOverHTTP() async throws {
        try await LiveAPI.run({ $0.trustedProxies = try! TrustedProxies(parsing: "127.0.0.1/32"); $0.rateLimitLoginAddress = 2 }) { api, db in
            let tenant = try await api.signUp()
            let body = #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"wrong password"}"#
            for client in ["203.0.113.7", "203.0.113.7", "198.51.100.20"] {
                let refused = try await api.call(.post, "/v1/sessions", json: body, headers: ["X-Forwarded-For": "192.0.2.1, \(client)"])
                #expect(refused.status == .unauthorized, "\(refused.status)")
            }
            // The third try from 203.0.113.7 meets its own per-address limit of 2; another client does not.
            let third = try await api.call(.post, "/v1/sessions", json: body, headers: ["X-Forwarded-For": "203.0.113.7"])
            #expect(third.status == .tooManyRequests)
            #expect(try await Self.loginSource(db, tenantID: tenant.id) == ["203.0.113.7", "203.0.113.7", "198.51.100.20"])
        }
    }

    @Test("with no trusted proxy, spoofed forwarding headers change nothing")
    func spoofedHeadersIgnored() async throws {
        // 3 logins a minute from one address: the sign-up's own login is the first.
        try await LiveAPI.run({ $0.rateLimitLoginAddress = 3 }) { api, db in
            let tenant = try await api.signUp()
            let body = #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"wrong password"}"#
            var statuses: [HTTPResponse.Status] = []
            for spoof in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
                statuses.append(try await api.call(.post, "/v1/sessions", json: body,
                                                   headers: ["X-Forwarded-For": spoof, "Forwarded": "for=\(spoof)"]).status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests], "one address, whatever the headers say")
            #expect(Set(try await Self.loginSource(db, tenantID: tenant.id)) == ["127.0.0.1"])
        }
    }
}
