import KeelTesting
import Kernel
import Storage
import Testing

/// Reads before a transaction's first write go alone, read-only, one round trip each; the
/// first statement that may write begins the transaction (docs/storage.md, "The data path").
@Suite("Reads before the first write")
struct ReadsAloneTests {
    static func readOnly(_ tx: TenantTransaction) async throws -> String {
        try await tx.query("select current_setting('transaction_read_only') as ro").first!.decode("ro")
    }

    @Test("a read goes alone and read-only; after a write the body is in its transaction, and the write commits")
    func readThenWrite() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        let newName = "Renamed \(tenant)"
        try await db.database.tenant(tenant) { tx in
            #expect(try await Self.readOnly(tx) == "on")
            try await tx.execute("update accounts.tenants set name = \(newName) where tenant_id = \(tx.tenantID)")
            #expect(try await Self.readOnly(tx) == "off")
        }
        let name: String = try await db.database.tenant(tenant) { tx in
            try await tx.query("select name from accounts.tenants where tenant_id = \(tx.tenantID)").first!.decode("name")
        }
        #expect(name == newName)
    }

    /// The session lookups' path: a read across tenants beside the platform scope.
    struct TenantCount: PreparedQuery {
        static let sql = "select count(*)::int as tenants, current_setting('transaction_read_only') as ro from accounts.tenants"
        var arguments: [SQLValue] { [] }
        func decode(_ row: Row) throws -> (tenants: Int, readOnly: String) { (try row.decode("tenants"), try row.decode("ro")) }
    }

    struct RenameAll: PreparedQuery {
        static let sql = "with renamed as (update accounts.tenants set name = name || '!' returning 1) select count(*)::int as n from renamed"
        var arguments: [SQLValue] { [] }
        func decode(_ row: Row) throws -> Int { try row.decode("n") }
    }

    @Test("PlatformDatabase.read sees every tenant, read-only; a statement that writes fails and changes nothing")
    func platformRead() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        let seen = try #require(try await db.platform.read("test", TenantCount()).first)
        #expect(seen.tenants >= 1)
        #expect(seen.readOnly == "on")
        await #expect(throws: AppError.self) { try await db.platform.read("test", RenameAll()) }
        let name: String = try await db.database.tenant(tenant) { tx in
            try await tx.query("select name from accounts.tenants where tenant_id = \(tx.tenantID)").first!.decode("name")
        }
        #expect(!name.hasSuffix("!"))
    }

    @Test("a write dressed as a read (a data-modifying WITH) is refused read-only, then runs once in the transaction")
    func disguisedWriteRunsOnce() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        for round in 1...2 {  // the second time it is known as a writer and goes straight in
            let changed: Int = try await db.database.tenant(tenant) { tx in
                let rows = try await tx.query("""
                    with changed as (update accounts.tenants set name = name || '+' where tenant_id = \(tx.tenantID) returning 1)
                    select count(*)::int8 as n from changed
                    """)
                #expect(try await Self.readOnly(tx) == "off", "round \(round)")
                return try rows.first!.decode("n")
            }
            #expect(changed == 1)
        }
        let name: String = try await db.database.tenant(tenant) { tx in
            try await tx.query("select name from accounts.tenants where tenant_id = \(tx.tenantID)").first!.decode("name")
        }
        #expect(name == "Tenant \(tenant)++")
    }

    @Test("statements whose effect lasts until the commit (row and advisory locks) never go alone")
    func locksBeginTheTransaction() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        try await db.database.tenant(tenant) { tx in
            try await tx.execute("select name from accounts.tenants where tenant_id = \(tx.tenantID) for update")
            #expect(try await Self.readOnly(tx) == "off")
        }
        try await db.database.tenant(tenant) { tx in
            try await tx.execute("select pg_advisory_xact_lock(hashtext(\(tenant.description)))")
            #expect(try await Self.readOnly(tx) == "off")
        }
    }

    @Test("under repeatable read every statement is in the transaction")
    func strongerIsolationBegins() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        let setting = try await db.database.tenant(tenant, isolation: .repeatableRead) { tx in try await Self.readOnly(tx) }
        #expect(setting == "off")
    }

    @Test("reads alone never land inside another request's transaction, on a pool of two under load")
    func sharedReadsStayOutOfTransactions() async throws {
        let shared = try await TestDatabase.shared()
        let a = try await makeTenant(shared), b = try await makeTenant(shared)
        var config = shared.app
        config.poolSize = 2
        // What this shows is where reads land, not how long 30 writers of one row queue for two
        // connections: on a loaded machine that took longer than the default 5 s wait.
        config.connectTimeout = .seconds(60)
        try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<60 {
                    group.addTask {
                        if i.isMultiple(of: 2) {
                            // B writes in a transaction: were a read of A's queued inside it, its
                            // read-only scope would refuse B's update, or its tenant would hide B's row.
                            try await pool.database.tenant(b) { tx in
                                let version: Int = try await tx.query("select version from accounts.tenants where tenant_id = \(b)").first!.decode("version")
                                try await tx.execute("update accounts.tenants set version = \(version + 1) where tenant_id = \(b)")
                                let seen = try await tx.query("select tenant_id from accounts.tenants").map { try $0.decode("tenant_id", as: TenantID.self) }
                                #expect(seen == [b])
                            }
                        } else {
                            let seen = try await pool.database.tenant(a) { tx in
                                try await tx.query("select tenant_id from accounts.tenants").map { try $0.decode("tenant_id", as: TenantID.self) }
                            }
                            #expect(seen == [a])
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
