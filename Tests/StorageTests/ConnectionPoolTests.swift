import Foundation
import KeelTesting
import Kernel
import NIOCore
import NIOPosix
import PostgresPipeline
@testable import Storage
import Testing

/// What a pool whose every connection is leased does with the requests that come meanwhile
/// (docs/storage.md, "The pool"; docs/benchmarks.md, "Two states").
@Suite("The connection pool, full")
struct ConnectionPoolTests {
    /// A transaction on the pool's one connection, held until `end()`.
    struct Holder {
        let began = AsyncStream.makeStream(of: Void.self)
        let ended = AsyncStream.makeStream(of: Void.self)

        func hold(_ pool: DatabasePool, _ tenant: TenantID) async throws {
            try await pool.database.tenant(tenant) { tx in
                // A statement that never goes alone, and whose answer is read (a write is held
                // back until the commit): it begins the transaction, on a lease.
                _ = try await tx.query("select set_config('keel.test', 'held', true) as held")
                began.continuation.yield()
                for await _ in ended.stream {}
            }
        }

        func waitUntilHeld() async {
            for await _ in began.stream { return }
        }

        func end() { ended.continuation.finish() }
    }

    /// A pool of one connection with `waitLimit`, on a new tenant of the test database.
    static func withPoolOfOne(waitLimit: Duration, _ body: (DatabasePool, TenantID) async throws -> Void) async throws {
        let shared = try await TestDatabase.shared()
        let tenant = try await makeTenant(shared)
        var config = shared.app
        config.poolSize = 1
        config.connectTimeout = waitLimit
        try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in try await body(pool, tenant) }
    }

    static func tenantsSeen(_ pool: DatabasePool, as tenant: TenantID) async throws -> [TenantID] {
        try await pool.database.tenant(tenant) { tx in
            try await tx.query("select tenant_id from accounts.tenants").map { try $0.decode("tenant_id", as: TenantID.self) }
        }
    }

    @Test("reads that find every connection leased go on the next one handed back, all together, and lease none")
    func readsRideTheNextConnection() async throws {
        try await Self.withPoolOfOne(waitLimit: .seconds(60)) { pool, tenant in
            let holder = Holder()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await holder.hold(pool, tenant) }
                await holder.waitUntilHeld()
                let leases = pool.connections.leases
                // given 20 reads waiting while the one connection is in a transaction
                for _ in 0..<20 {
                    group.addTask {
                        let seen = try await Self.tenantsSeen(pool, as: tenant)
                        #expect(seen == [tenant])
                    }
                }
                while pool.connections.waiting < 20 { try await Task.sleep(for: .milliseconds(5)) }
                // when the transaction ends
                holder.end()
                try await group.waitForAll()
                // then every read was answered on the connection handed back, none by leasing it
                #expect(pool.connections.leases == leases)
                #expect(pool.connections.waiting == 0)
            }
        }
    }

    @Test("a transaction and a read that wait past the wait limit are told 'database unavailable', then the pool serves again")
    func waitersFailAtTheLimit() async throws {
        try await Self.withPoolOfOne(waitLimit: .seconds(1)) { pool, tenant in
            let holder = Holder()
            let held = Task { try await holder.hold(pool, tenant) }
            await holder.waitUntilHeld()
            // given the one connection held past the limit, when a transaction and a read wait
            let started = ContinuousClock.now
            let write = Task {
                try await pool.database.tenant(tenant) { tx in _ = try await tx.query("select set_config('keel.test', 'waited', true) as waited") }
            }
            let read = Task { try await Self.tenantsSeen(pool, as: tenant) }
            let writeError = await #expect(throws: AppError.self) { try await write.value }
            let readError = await #expect(throws: AppError.self) { try await read.value }
            // then both are refused as unavailable, at the limit and not long after
            #expect(writeError?.code == .databaseUnavailable)
            #expect(readError?.code == .databaseUnavailable)
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(900) && waited < .seconds(5), "waited \(waited)")
            #expect(pool.connections.waiting == 0)
            // and once the connection is handed back, the pool serves again
            holder.end()
            try await held.value
            let seen = try await Self.tenantsSeen(pool, as: tenant)
            #expect(seen == [tenant])
        }
    }

    @Test("a pool given event loops opens its connections on them: a job sent from one of them crosses no thread")
    func connectionsOnTheGivenLoops() async throws {
        let shared = try await TestDatabase.shared()
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = DatabasePool(shared.app, eventLoops: loops, logger: TestDatabase.logger)
        // given a pool whose loops are not NIO's singleton group (KEEL_EVENT_LOOPS > 0)
        let connection = try await pool.connections.lease()
        // then the connection it opens is read by the given loop, and not by any other thread
        #expect(connection.onEventLoop)
        #expect(try await loops.next().submit { connection.isLocal }.get())
        #expect(!connection.isLocal)
        pool.connections.release(connection)
        pool.connections.close()
        try await loops.shutdownGracefully()
    }
}
