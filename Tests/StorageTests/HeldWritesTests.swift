import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

/// A write whose answer the body does not read (`execute`) is held back and sent with the
/// transaction's next statement or its commit (docs/storage.md, "The data path"). Counted on a
/// pool of the test's own (`DatabasePool.roundTrips`).
@Suite("Held writes")
struct HeldWritesTests {
    static func name(of tenant: TenantID, in db: Database) async throws -> String {
        try await db.tenant(tenant) { tx in
            try await tx.query("select name from accounts.tenants where tenant_id = \(tx.tenantID)").first!.decode("name")
        }
    }

    static func events(of tenant: TenantID, in db: Database) async throws -> Int {
        try await db.tenant(tenant) { tx in
            try await tx.query("select count(*)::int as n from platform.outbox where tenant_id = \(tx.tenantID)").first!.decode("n")
        }
    }

    @Test("a body that only writes sends [begin, scope, its writes, commit] in one round trip, and it commits")
    func writesGoWithTheCommit() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        try await db.withPool(clock: SystemClock()) { pool in
            let before = pool.roundTrips
            try await pool.database.tenant(tenant) { tx in
                try await tx.execute("update accounts.tenants set name = 'Held' where tenant_id = \(tx.tenantID)")
                try await tx.publish(TestEvent(note: "held"))
                try await tx.execute("update accounts.tenants set name = name || ' and sent' where tenant_id = \(tx.tenantID)")
            }
            #expect(pool.roundTrips - before == 1)
            #expect(try await Self.name(of: tenant, in: pool.database) == "Held and sent")
            #expect(try await Self.events(of: tenant, in: pool.database) == 2)  // makeTenant's and this one
        }
    }

    @Test("a statement whose answer the body reads goes with the writes held before it, and sees them")
    func readSeesHeldWrites() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        try await db.withPool(clock: SystemClock()) { pool in
            let before = pool.roundTrips
            let seen: String = try await pool.database.tenant(tenant) { tx in
                try await tx.execute("update accounts.tenants set name = 'Seen' where tenant_id = \(tx.tenantID)")
                return try await tx.query("select name from accounts.tenants where tenant_id = \(tx.tenantID)").first!.decode("name")
            }
            #expect(seen == "Seen")
            #expect(pool.roundTrips - before == 2)  // [begin, scope, update, select]; commit
        }
    }

    @Test("a held write's error is thrown by the next statement the body awaits, and nothing of the transaction commits")
    func errorAtTheNextStatement() async throws {
        let db = try await TestDatabase.shared()
        let holder = try await makeTenant(db), tenant = try await makeTenant(db)
        let taken = try await db.database.tenant(holder) { tx in
            try await tx.query("select slug from accounts.tenants where tenant_id = \(tx.tenantID)").first!.decode("slug", as: String.self)
        }
        let reached = Counter()
        let error = await #expect(throws: AppError.self) {
            try await db.database.tenant(tenant) { tx in
                try await tx.execute("update accounts.tenants set name = 'Not saved' where tenant_id = \(tx.tenantID)")
                try await tx.execute("update accounts.tenants set slug = \(taken) where tenant_id = \(tx.tenantID)")
                _ = try await tx.query("select 1 as one")  // throws the unique violation
                reached.increment()
            }
        }
        #expect(error?.code == .conflict)
        #expect(reached.value == 0)
        #expect(try await Self.name(of: tenant, in: db.database) != "Not saved")
    }

    @Test("a held write's error at the commit: the transaction throws it, the commit does not happen, and a swallowed try? hides nothing")
    func errorAtTheCommit() async throws {
        let db = try await TestDatabase.shared()
        let holder = try await makeTenant(db), tenant = try await makeTenant(db)
        let taken = try await db.database.tenant(holder) { tx in
            try await tx.query("select slug from accounts.tenants where tenant_id = \(tx.tenantID)").first!.decode("slug", as: String.self)
        }
        let error = await #expect(throws: AppError.self) {
            try await db.database.tenant(tenant) { tx in
                try await tx.execute("update accounts.tenants set name = 'Not saved' where tenant_id = \(tx.tenantID)")
                try? await tx.execute("update accounts.tenants set slug = \(taken) where tenant_id = \(tx.tenantID)")
                try await tx.publish(TestEvent(note: "not delivered"))
            }
        }
        #expect(error?.code == .conflict)
        #expect(try await Self.name(of: tenant, in: db.database) != "Not saved")
        #expect(try await Self.events(of: tenant, in: db.database) == 1)  // makeTenant's only
    }

    @Test("a body that throws before its held writes were sent sends nothing, and leaves nothing")
    func throwBeforeSending() async throws {
        struct Changed: Error {}
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        let sent = try await db.withPool(clock: SystemClock()) { pool in
            let before = pool.roundTrips
            await #expect(throws: Changed.self) {
                try await pool.database.tenant(tenant) { tx in
                    try await tx.execute("update accounts.tenants set name = 'Never sent' where tenant_id = \(tx.tenantID)")
                    throw Changed()
                }
            }
            return pool.roundTrips - before
        }
        #expect(sent == 0)
        #expect(try await Self.name(of: tenant, in: db.database) != "Never sent")
    }
}
