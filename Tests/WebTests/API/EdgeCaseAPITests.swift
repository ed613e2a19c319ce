import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Testing

/// Requests found by the contract run (Schemathesis) that once went wrong, kept as tests.
@Suite("API: edge cases from the contract run")
struct EdgeCaseAPITests {
    @Test("a NUL byte in an email is a 422 at signup and a plain 401 at login, never a 500")
    func nulBytes() async throws {
        try await LiveAPI.run { api, _ in
            let slug = API.uniqueSlug()
            let signUp = try await api.call(.post, "/v1/signup", json: """
                {"tenant":{"slug":"\(slug)","name":"N"},"owner":{"email":"a@b\\u0000","password":"\(API.password)","name":"N"}}
                """)
            #expect(signUp.status == .unprocessableContent)
            #expect(signUp.json["errors"][0]["field"].string == "owner.email")
            let login = try await api.call(.post, "/v1/sessions",
                                           json: #"{"tenant":"\#(slug)\u0000","email":"a@b\u0000","password":"x"}"#)
            #expect(login.status == .unauthorized)
            let name = try await api.call(.post, "/v1/signup", json: """
                {"tenant":{"slug":"\(slug)","name":"N\\u0007"},"owner":{"email":"a@b.test","password":"\(API.password)","name":"N"}}
                """)
            #expect(name.status == .unprocessableContent)
        }
    }

    @Test("a method the path does not declare is a 405 with Allow; an unknown path stays a 404")
    func methodNotAllowed() async throws {
        try await LiveAPI.run { api, _ in
            let tenant = try await api.signUp()
            let trace = try await api.call(.init("TRACE")!, "/v1/me", token: tenant.token)
            #expect(trace.status == .methodNotAllowed)
            #expect(trace["Allow"] == "GET")
            #expect(trace.code == "method_not_allowed")
            let put = try await api.call(.put, "/v1/users/\(tenant.ownerID)", json: "{}", token: tenant.token)
            #expect(put.status == .methodNotAllowed)
            #expect(put["Allow"] == "DELETE, GET, PATCH")
            #expect(try await api.call(.get, "/v1/nowhere").status == .notFound)
        }
    }

    @Test("header values are taken as sent: Idempotency-Key 'a%41b' is not 'aAb'")
    func rawIdempotencyKey() async throws {
        try await LiveAPI.run { api, _ in
            let suffix = UUID().uuidString
            let encoded = try await api.call(.post, "/v1/signup", json: IdempotencyAPITests.body(API.uniqueSlug()),
                                             headers: ["Idempotency-Key": "a%41b-\(suffix)"])
            #expect(encoded.status == .created)
            // Another body under the key a decoder would make of the first: a fresh request, not a 422.
            let plain = try await api.call(.post, "/v1/signup", json: IdempotencyAPITests.body(API.uniqueSlug()),
                                           headers: ["Idempotency-Key": "aAb-\(suffix)"])
            #expect(plain.status == .created)
            #expect(plain["Idempotent-Replayed"] == nil)
            let key = "k%zz-" + UUID().uuidString
            let odd = try await api.call(.post, "/v1/signup", json: IdempotencyAPITests.body(API.uniqueSlug()),
                                         headers: ["Idempotency-Key": key])
            #expect(odd.status == .created, "'%' is visible ASCII: \(odd.text)")
        }
    }

    @Test("If-Match: * applies to the current version; an unknown id with any If-Match is a 404; a huge one a 422")
    func ifMatchForms() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            let star = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"viewer"}"#,
                                          token: tenant.token, headers: ["If-Match": "*"])
            #expect(star.status == .ok)
            let weak = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"member"}"#,
                                          token: tenant.token, headers: ["If-Match": "W/\"2\""])
            #expect(weak.status == .ok)
            let unknown = UserID.generate()
            for tag in ["0", "\"1\"", "junk"] {
                let response = try await api.call(.delete, "/v1/users/\(unknown)", token: tenant.token, headers: ["If-Match": tag])
                #expect(response.status == .notFound, "\(tag)")
            }
            let junk = try await api.call(.delete, "/v1/users/\(member.id)", token: tenant.token, headers: ["If-Match": "junk"])
            #expect(junk.status == .preconditionFailed)
            #expect(junk.json["current_version"].int == 3)
            let null = try await api.call(.patch, "/v1/users/\(member.id)", json: #"{"role":"admin","status":null}"#,
                                          token: tenant.token, headers: ["If-Match": "*"])
            #expect(null.status == .unprocessableContent)
            #expect(null.json["errors"][0]["field"].string == "status")
            let huge = try await api.call(.delete, "/v1/users/\(member.id)", token: tenant.token,
                                          headers: ["If-Match": String(repeating: "0", count: 65)])
            #expect(huge.status == .unprocessableContent)
        }
    }
}
