import Foundation
import HTTPTypes
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
            let results = try await api.concurrentPOSTs(
                8, "/v1/sessions", json: #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"\#(API.password)"}"#,
                reading: "Retry-After")
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
