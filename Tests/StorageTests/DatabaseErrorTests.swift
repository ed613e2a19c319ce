import Foundation
import KeelTesting
import Kernel
import Storage
import Synchronization
import Testing

@Suite("Database errors become domain errors")
struct DatabaseErrorTests {
    @Test("a unique violation is a conflict that does not reveal the other row")
    func uniqueViolationIsConflict() async throws {
        // given a tenant holding a slug
        let db = try await TestDatabase.shared()
        let a = try await makeTenant(db)
        let slug = try await db.database.tenant(a) { tx in
            try await tx.query("select slug from accounts.tenants").first!.decode("slug", as: String.self)
        }
        // when another tenant claims the same slug
        let b = TenantID.generate()
        let error = await #expect(throws: AppError.self) {
            try await db.database.tenant(b) { tx in
                try await tx.execute("insert into accounts.tenants (tenant_id, slug, name) values (\(b), \(slug), 'B')")
            }
        }
        // then it is a conflict whose client-facing detail names neither the slug nor tenant A
        #expect(error?.code == .conflict)
        #expect(error?.detail.contains(slug) == false)
        #expect(error?.detail.contains(a.description) == false)
    }

    @Test("a serialization failure re-runs the transaction, a bounded number of times")
    func serializationFailureIsRetried() async throws {
        // given two serializable transactions that read, then write, the same row
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        let attempts = Counter()
        let bothRead = Barrier(parties: 2)
        // when they run at once (each waits, on its first attempt, until both have read)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for label in ["first", "second"] {
                group.addTask {
                    var firstAttempt = true
                    try await db.database.tenant(tenant, isolation: .serializable) { tx in
                        attempts.increment()
                        let version = try await tx.query("select version from accounts.tenants").first!.decode("version", as: Int.self)
                        if firstAttempt {
                            firstAttempt = false
                            await bothRead.arrive()
                        }
                        try await tx.execute("update accounts.tenants set version = \(version + 1), name = \(label)")
                    }
                }
            }
            try await group.waitForAll()
        }
        // then one of them was re-run and both increments landed
        #expect(attempts.value == 3)
        let version = try await db.database.tenant(tenant) { tx in
            try await tx.query("select version from accounts.tenants").first!.decode("version", as: Int.self)
        }
        #expect(version == 3)
    }

    @Test("retries stop after three attempts and surface a serialization_failure")
    func serializationRetriesAreBounded() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        let attempts = Counter()
        let error = await #expect(throws: AppError.self) {
            try await db.database.tenant(tenant) { tx in
                attempts.increment()
                // Raise the SQLSTATE a real conflict would, every time.
                try await tx.execute("do $$ begin raise exception using errcode = '40001', message = 'synthetic'; end $$")
            }
        }
        #expect(error?.code == .serializationFailure, "\(String(describing: error))")
        #expect(attempts.value == 3)
    }

    @Test("a body that swallows a failed statement is not reported as committed")
    func swallowedFailureIsNotACommit() async throws {
        // given a tenant and a slug someone else holds
        let db = try await TestDatabase.shared()
        let holder = try await makeTenant(db)
        let slug = try await db.database.tenant(holder) { tx in
            try await tx.query("select slug from accounts.tenants").first!.decode("slug", as: String.self)
        }
        let tenant = TenantID.generate()
        // when a body tries the taken slug, ignores the error, then writes something else (a
        // query: its error is thrown where it is awaited; a held `execute`'s would come later,
        // HeldWritesTests)
        let error = await #expect(throws: AppError.self) {
            try await db.database.tenant(tenant) { tx in
                _ = try? await tx.query("insert into accounts.tenants (tenant_id, slug, name) values (\(tenant), \(slug), 'dup') returning 1")
                try await tx.publish(TestEvent(note: "after a swallowed error"))
            }
        }
        // then the caller learns the change was not saved (PostgreSQL had rolled it back)
        #expect(error?.code == .internalError)
        let events = try await db.database.tenant(tenant) { tx in
            try await tx.query("select count(*)::int as n from platform.outbox").first!.decode("n", as: Int.self)
        }
        #expect(events == 0)
    }

    @Test("an unreachable database is a clear 'database unavailable', within the connect timeout")
    func unreachableDatabase() async throws {
        // given settings that point at a port nobody listens on
        let config = DatabaseConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 1), username: "keel_app",
                                           database: "keel", poolSize: 1, connectTimeout: .seconds(1))
        let started = ContinuousClock.now
        // when a transaction is attempted
        let error = await #expect(throws: AppError.self) {
            try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
                try await pool.database.tenant(.generate()) { tx in try await tx.query("select 1 as one") }
            }
        }
        // then it fails as unavailable, promptly
        #expect(error?.code == .databaseUnavailable)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("a connection lost mid-transaction is 'database unavailable'")
    func connectionLostMidTransaction() async throws {
        let db = try await TestDatabase.shared()
        var config = db.app
        config.poolSize = 1
        let error = await #expect(throws: AppError.self) {
            try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
                try await pool.database.tenant(.generate()) { tx in
                    try await tx.execute("select pg_terminate_backend(pg_backend_pid())")
                }
            }
        }
        #expect(error?.code == .databaseUnavailable)
    }

    // PostgresNIO dropped a statement written into a just-closed connection without failing it:
    // the second statement here never returned. The libpq driver fails it; this keeps it so.
    @Test("a statement after the server closed the connection between statements fails, and does not hang")
    func statementAfterServerClosedConnection() async throws {
        // given a transaction whose backend is terminated from another session, between two statements
        let db = try await TestDatabase.shared()
        var config = db.app
        config.poolSize = 2
        // (Bounded from here, not by a time limit on the test: waiting for the shared database
        // to be set up took over a minute on a loaded machine.)
        let error = await #expect(throws: AppError.self) {
            try await Self.within(.seconds(60)) { [config] in
                try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
                    try await pool.database.tenant(.generate()) { tx in
                        let pid = try await tx.query("select pg_backend_pid() as pid").first!.decode("pid", as: Int32.self)
                        try await pool.withUnscopedTransaction { other in
                            try await other.execute("select pg_terminate_backend(\(pid), 5000)")
                        }
                        try await Task.sleep(for: .milliseconds(200))  // the close reaches the client
                        // when the transaction sends its next statement
                        try await tx.execute("select 1")
                    }
                }
            }
        }
        // then it fails as unavailable instead of waiting for ever
        #expect(error?.code == .databaseUnavailable)
    }

    struct Hung: Error {}

    /// `body`'s result, or `Hung` once `limit` has passed (and `body` is cancelled).
    static func within<R: Sendable>(_ limit: Duration, _ body: @escaping @Sendable @concurrent () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: R.self) { group in
            group.addTask(operation: body)
            group.addTask { try await Task.sleep(for: limit); throw Hung() }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

/// Suspends callers until `parties` of them have arrived.
actor Barrier {
    let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived >= parties {
            waiting.forEach { $0.resume() }
            waiting.removeAll()
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}

/// A thread-safe counter tests can capture in concurrent closures.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
