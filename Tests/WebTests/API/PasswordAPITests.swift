import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import HummingbirdTesting
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("API: password hashing under load, rehash, the audit log's guarantees")
struct PasswordAPITests {
    @Test("when the hashing queue is full, logins get 503 with Retry-After, never a 500")
    func hasherBusy() async throws {
        try await LiveAPI.run({ config in
            config.hashThreads = 1
            config.hashQueueDepth = 0
            config.argon2MemoryKiB = 65_536
            config.argon2Iterations = 3
        }) { api, _ in
            let tenant = try await api.signUp()
            let port = try #require(api.client.port)
            let session = URLSession(configuration: .ephemeral)
            let body = Data(#"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"\#(API.password)"}"#.utf8)
            let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/sessions")!)
                        request.httpMethod = "POST"
                        request.httpBody = body
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        let (_, response) = try await session.data(for: request)
                        let http = response as! HTTPURLResponse
                        return (http.statusCode, http.value(forHTTPHeaderField: "Retry-After"))
                    }
                }
                var all: [(Int, String?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.contains { $0.0 == 201 })
            #expect(results.contains { $0.0 == 503 && $0.1 != nil }, "\(results)")
            #expect(results.allSatisfy { $0.0 == 201 || $0.0 == 503 }, "\(results)")
        }
    }

    @Test("a hash made with older parameters is replaced at the next successful login")
    func rehashOnLogin() async throws {
        try await LiveAPI.run({ $0.argon2MemoryKiB = 2048 }) { api, db in
            let tenant = try await api.signUp()
            // TestHasher hashes with m=1024: an older parameter set than the server's m=2048.
            _ = try await LiveAPI.addUser(api, db, to: tenant, role: .member, email: "old@\(tenant.slug).test")
            let hash = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("select password_hash from accounts.users where email = \("old@\(tenant.slug).test")")[0]
                    .decode("password_hash", as: String.self)
            }
            #expect(hash.contains("m=2048"), "\(hash)")
        }
    }

    @Test("the audit log is append-only: updates and deletes are refused, even for the owner role's tenant path")
    func auditLogIsAppendOnly() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let tenantID = TenantID(tenant.id)!
            await #expect(throws: AppError.self) {
                try await db.database.tenant(tenantID) { tx in
                    try await tx.execute("update platform.audit_log set action = 'forged' where tenant_id = \(tenantID)")
                }
            }
            await #expect(throws: AppError.self) {
                try await db.database.tenant(tenantID) { tx in
                    try await tx.execute("delete from platform.audit_log where tenant_id = \(tenantID)")
                }
            }
            let actions = try await api.call(.get, "/v1/audit-events", token: tenant.token).json["data"].array.compactMap { $0["action"].string }
            #expect(actions.contains("tenant.signed_up"))
            #expect(!actions.contains("forged"))
        }
    }
}
