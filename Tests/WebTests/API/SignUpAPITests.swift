import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("API: signup and the error envelope")
struct SignUpAPITests {
    @Test("signup creates tenant and owner, publishes TenantSignedUp and audits, in one transaction")
    func signUpCreatesEverything() async throws {
        try await LiveAPI.run { api, db in
            let slug = API.uniqueSlug("acme")
            let response = try await api.call(.post, "/v1/signup", json: """
                {"tenant":{"slug":"\(slug)","name":"  Acme Inc  "},
                 "owner":{"email":"Ann@Acme.test","password":"\(API.password)","name":"Ann"}}
                """)
            #expect(response.status == .created)
            #expect(response.json["tenant"]["slug"].string == slug)
            #expect(response.json["tenant"]["name"].string == "Acme Inc")
            #expect(response.json["owner"]["role"].string == "owner")
            #expect(response.json["owner"]["email"].string == "Ann@Acme.test")
            #expect(response.json["owner"].keys.contains("password") == false)
            let tenantID = try #require(TenantID(response.json["tenant"]["id"].string ?? ""))
            let (events, audits) = try await db.database.tenant(tenantID) { tx in
                (try await tx.query("select event_type from platform.outbox where tenant_id = \(tenantID)")
                    .map { try $0.decode("event_type", as: String.self) },
                 try await tx.query("select action from platform.audit_log where tenant_id = \(tenantID)")
                    .map { try $0.decode("action", as: String.self) })
            }
            #expect(events.contains("accounts.tenant_signed_up.v1"))
            #expect(audits == ["tenant.signed_up"])
            // The email is case-insensitive at login.
            _ = try await api.logIn(slug: slug, email: "ann@ACME.test")
        }
    }

    @Test("a taken slug is a 409 problem that names no other tenant's data")
    func slugTaken() async throws {
        try await LiveAPI.run { api, _ in
            let first = try await api.signUp()
            let again = try await api.call(.post, "/v1/signup", json: """
                {"tenant":{"slug":"\(first.slug)","name":"Other"},
                 "owner":{"email":"x@other.test","password":"\(API.password)","name":"X"}}
                """)
            #expect(again.status == .conflict)
            #expect(again.code == "slug_taken")
            #expect(!again.text.contains(first.ownerEmail))
        }
    }

    @Test("invalid fields are one 422 listing each field; short and common passwords are refused")
    func validation() async throws {
        try await LiveAPI.run { api, _ in
            let response = try await api.call(.post, "/v1/signup", json: """
                {"tenant":{"slug":"-Bad Slug","name":"   "},
                 "owner":{"email":"not-an-email","password":"short","name":"Ann"}}
                """)
            #expect(response.status == .unprocessableContent)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(response.code == "validation_failed")
            let fields = Set(response.json["errors"].array.compactMap { $0["field"].string })
            #expect(fields == ["tenant.slug", "tenant.name", "owner.email", "owner.password"])
            #expect(response.json["errors"].array.allSatisfy { $0["code"].string != nil && $0["message"].string != nil })
            #expect(response.json["request_id"].string == response["X-Request-Id"])

            let common = try await api.call(.post, "/v1/signup", json: """
                {"tenant":{"slug":"\(API.uniqueSlug())","name":"N"},
                 "owner":{"email":"a@b.test","password":"Password123","name":"Ann"}}
                """)
            #expect(common.status == .unprocessableContent)
            #expect(common.json["errors"][0]["code"].string == "password_too_common")

            // Long passphrases are allowed (64+ characters, counted as code points).
            let long = String(repeating: "x", count: 40) + String(repeating: "ü", count: 40)
            let accepted = try await api.call(.post, "/v1/signup", json: """
                {"tenant":{"slug":"\(API.uniqueSlug())","name":"N"},
                 "owner":{"email":"a@b.test","password":"\(long)","name":"Ann"}}
                """)
            #expect(accepted.status == .created)
        }
    }

    @Test("malformed JSON, wrong types, unknown and missing fields are 400s; wrong content type 415; too large 413")
    func malformedRequests() async throws {
        try await LiveAPI.run({ $0.maxBodyBytes = 2048 }) { api, _ in
            let valid = """
                {"tenant":{"slug":"\(API.uniqueSlug())","name":"N"},"owner":{"email":"a@b.test","password":"\(API.password)","name":"A"}}
                """
            let cases: [(String, String?, HTTPResponse.Status, String)] = [
                ("{not json", "application/json", .badRequest, "malformed JSON"),
                (#"{"tenant":{"slug":5,"name":"N"},"owner":{"email":"a@b.test","password":"12345678x","name":"A"}}"#,
                 "application/json", .badRequest, "wrong type"),
                (#"{"tenant":{"slug":"abc","name":"N"}}"#, "application/json", .badRequest, "missing field"),
                (valid.replacingOccurrences(of: #""name":"A"}"#, with: #""name":"A","admin":true}"#),
                 "application/json", .badRequest, "unknown field"),
                (valid, "text/plain", .unsupportedMediaType, "wrong content type"),
                (String(repeating: " ", count: 4096) + valid, "application/json", .contentTooLarge, "too large"),
                ("[]", "application/json", .badRequest, "array instead of object"),
                ("", "application/json", .badRequest, "empty body"),
            ]
            for (body, contentType, status, label) in cases {
                let response = try await api.call(.post, "/v1/signup", json: body, contentType: contentType)
                #expect(response.status == status, "\(label): \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(label)")
                #expect(response.json["request_id"].string != nil, "\(label)")
                #expect(response.json["code"].string != nil, "\(label)")
            }
            let unknown = try await api.call(.post, "/v1/signup",
                                             json: valid.replacingOccurrences(of: #""name":"A"}"#, with: #""name":"A","admin":true}"#))
            #expect(unknown.json["errors"][0]["code"].string == "unknown_field")
        }
    }

    @Test("the spec is served at /v1/openapi.yaml, byte for byte the repository's file")
    func specServed() async throws {
        try await LiveAPI.run { api, _ in
            let response = try await api.call(.get, "/v1/openapi.yaml")
            #expect(response.status == .ok)
            let file = try String(contentsOf: TestDatabase.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
            #expect(response.text == file)
        }
    }
}
