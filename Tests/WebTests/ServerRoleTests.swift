import Foundation
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

/// The server must not run as a role that row-level security does not bind.
@Suite("The server's database role")
struct ServerRoleTests {
    @Test("the server role (no superuser, no BYPASSRLS, owns nothing) is accepted")
    func appRoleAccepted() async throws {
        let db = try await TestDatabase.shared()
        try await DatabasePool.withPool(db.app, logger: TestDatabase.logger) { try await $0.verifyServerRole() }
    }

    @Test("a superuser is refused with a message that says what to do", .enabled(if: TestDatabase.canMakeScratchDatabases))
    func superuserRefused() async throws {
        let db = try await TestDatabase.shared()
        let error = await #expect(throws: AppError.self) {
            try await DatabasePool.withPool(try db.superuser(), logger: TestDatabase.logger) { try await $0.verifyServerRole() }
        }
        #expect(error?.code == .forbiddenRole)
        #expect(error?.detail.contains("SUPERUSER or has BYPASSRLS") == true)
        #expect(error?.detail.contains("MIGRATION_DATABASE_URL") == true)
    }

    @Test("the owner of the tables is refused")
    func ownerRefused() async throws {
        let db = try await TestDatabase.shared()
        let error = await #expect(throws: AppError.self) {
            try await DatabasePool.withPool(db.owner, logger: TestDatabase.logger) { try await $0.verifyServerRole() }
        }
        #expect(error?.code == .forbiddenRole)
        #expect(error?.detail.contains("Keel's tables") == true)
    }

    @Test("buildApplication refuses to start as the owner role")
    func applicationRefusesOwner() async throws {
        let db = try await TestDatabase.shared()
        var config = HealthTests.config(db)
        config.databaseURL = db.migrationDatabaseURL
        await #expect(throws: AppError.self) {
            _ = try await buildApplication(config, logger: TestDatabase.logger)
        }
    }

    @Test("buildApplication refuses an external database without KEEL_ENCRYPTION_KEYS, and names a bad key")
    func applicationRefusesWithoutKeys() async throws {
        let db = try await TestDatabase.shared()
        var config = HealthTests.config(db)
        config.encryptionKeys = nil
        let error = await #expect(throws: AppError.self) {
            _ = try await buildApplication(config, logger: TestDatabase.logger)
        }
        #expect(error?.detail.contains("KEEL_ENCRYPTION_KEYS is required with an external DATABASE_URL") == true, "\(String(describing: error))")
        let bad = KeelConfig(environment: ["KEEL_ENCRYPTION_KEYS": "k1:tooshort"])
        #expect(bad.problems.contains { $0.contains("must be 32 bytes") }, "\(bad.problems)")
    }
}
