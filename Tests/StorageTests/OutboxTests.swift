import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

/// Each test gets a database of its own: the dispatcher claims every tenant's events, so
/// tests sharing one outbox would deliver each other's.
@Suite("Outbox and event dispatch", .enabled(if: TestDatabase.canMakeScratchDatabases))
struct OutboxTests {
    static func fastOptions() -> EventDispatcher.Options {
        var options = EventDispatcher.Options()
        options.baseBackoff = .milliseconds(1)
        options.maxBackoff = .milliseconds(5)
        options.maxAttempts = 3
        options.pollInterval = .milliseconds(50)
        return options
    }

    @Test("an event from a rolled-back transaction is never delivered")
    func rolledBackEventIsNeverDelivered() async throws {
        // given a subscriber
        let db = try await TestDatabase.shared().scratch("outbox")
        let calls = Counter()
        var subscriptions = EventSubscriptions()
        subscriptions.subscribe(TestEvent.self, as: "test.counter") { _, _ in calls.increment() }
        let dispatcher = EventDispatcher(platform: db.platform, subscriptions: subscriptions, options: Self.fastOptions(),
                                         logger: TestDatabase.logger)
        // when a transaction publishes and then fails
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await db.database.tenant(.generate()) { tx in
                try await tx.publish(TestEvent(note: "never"))
                throw Boom()
            }
        }
        // then there is nothing to deliver
        #expect(try await dispatcher.dispatchBatch() == 0)
        #expect(calls.value == 0)
    }

    @Test("a handler that throws once is retried, and its effect happens exactly once")
    func failingHandlerIsRetriedOnce() async throws {
        // given a handler whose effect is a counter in the tenant's row, and which fails the
        // first time *after* making its effect (so the effect must roll back with it)
        let db = try await TestDatabase.shared().scratch("outbox")
        let tenant = try await makeTenant(db)
        let calls = Counter()
        var subscriptions = EventSubscriptions()
        subscriptions.subscribe(TestEvent.self, as: "test.bump") { _, tx in
            calls.increment()
            try await tx.execute("update accounts.tenants set version = version + 1")
            if calls.value == 1 { throw FlakyFailure() }
        }
        let dispatcher = EventDispatcher(platform: db.platform, subscriptions: subscriptions, options: Self.fastOptions(),
                                         logger: TestDatabase.logger)
        // when the dispatcher runs until the outbox is drained
        try await drain(dispatcher, db)
        // then the handler ran twice, the effect happened once, and the event is delivered
        #expect(calls.value == 2)
        #expect(try await version(of: tenant, in: db) == 2)
        let entries = try await outbox(db)
        #expect(entries.map(\.status) == [.delivered])
        #expect(entries.first?.attempts == 2)
        // and delivering again (a crash before recording, say) changes nothing
        try await db.platform.platform("test: re-queue") { tx in
            try await tx.execute("update platform.outbox set status = 'pending', available_at = now()")
        }
        try await drain(dispatcher, db)
        #expect(calls.value == 2)
        #expect(try await version(of: tenant, in: db) == 2)
    }

    @Test("two dispatchers running at once deliver each event to each subscriber once")
    func concurrentDispatchers() async throws {
        // given 60 events across 3 tenants and two subscribers
        let db = try await TestDatabase.shared().scratch("outbox")
        let tenants = [try await makeTenant(db), try await makeTenant(db), try await makeTenant(db)]
        let firstCalls = Counter(), secondCalls = Counter()
        var subscriptions = EventSubscriptions()
        subscriptions.subscribe(TestEvent.self, as: "test.first") { _, tx in
            firstCalls.increment()
            try await tx.execute("update accounts.tenants set version = version + 1")
        }
        subscriptions.subscribe(TestEvent.self, as: "test.second") { _, _ in secondCalls.increment() }
        for i in 0..<60 {
            try await db.database.tenant(tenants[i % 3]) { tx in try await tx.publish(TestEvent(note: "\(i)")) }
        }
        // when two dispatchers (each with its own pool, like two servers) drain the outbox together
        var options = Self.fastOptions()
        options.batchSize = 5
        let pools = [db.pool, try await db.scratchPeer()]
        let claims = try await withThrowingTaskGroup(of: Int.self) { group in
            for pool in pools {
                let dispatcher = EventDispatcher(platform: pool.platformDatabase(), subscriptions: subscriptions,
                                                 options: options, logger: TestDatabase.logger)
                group.addTask { try await drain(dispatcher, db) }
            }
            return try await group.reduce(0, +)
        }
        // then no event was claimed by both (SKIP LOCKED kept their batches apart)
        #expect(claims == 63)
        // then every event (the 3 "created" ones included) reached each subscriber exactly once
        #expect(firstCalls.value == 63)
        #expect(secondCalls.value == 63)
        for tenant in tenants {
            #expect(try await version(of: tenant, in: db) == 1 + 21)
        }
        var inbox = 0
        for tenant in tenants {
            inbox += try await db.database.tenant(tenant) { tx in
                try await tx.query("select count(*)::int as n from platform.inbox").first!.decode("n", as: Int.self)
            }
        }
        #expect(inbox == 126)
    }

    @Test("after the last attempt an event is dead-lettered, kept, and can be re-driven")
    func deadLetterAndRedrive() async throws {
        let db = try await TestDatabase.shared().scratch("outbox")
        _ = try await makeTenant(db)
        let healthy = Flag()
        var subscriptions = EventSubscriptions()
        subscriptions.subscribe(TestEvent.self, as: "test.fragile") { _, _ in
            if !healthy.value { throw FlakyFailure() }
        }
        let dispatcher = EventDispatcher(platform: db.platform, subscriptions: subscriptions, options: Self.fastOptions(),
                                         logger: TestDatabase.logger)
        // when every attempt fails
        try await drain(dispatcher, db)
        // then the event is dead, with its attempts and last error
        let dead = try await dispatcher.deadLetters()
        #expect(dead.count == 1)
        #expect(dead.first?.attempts == 3)
        #expect(dead.first?.lastError?.contains("FlakyFailure") == true)
        // when the cause is fixed and the event re-driven
        healthy.set()
        try await dispatcher.redrive(dead[0].id, tenantID: dead[0].tenantID)
        try await drain(dispatcher, db)
        // then it is delivered
        #expect(try await dispatcher.entry(dead[0].id, tenantID: dead[0].tenantID)?.status == .delivered)
        #expect(try await dispatcher.deadLetters().isEmpty)
    }

    @Test("an event whose attempts ran out without an outcome (the process died each time) is dead-lettered, not retried forever")
    func spentAttemptsAreDeadLettered() async throws {
        let db = try await TestDatabase.shared().scratch("outbox")
        let tenant = try await makeTenant(db)
        let calls = Counter()
        var subscriptions = EventSubscriptions()
        subscriptions.subscribe(TestEvent.self, as: "test.never") { _, _ in calls.increment() }
        let dispatcher = EventDispatcher(platform: db.platform, subscriptions: subscriptions, options: Self.fastOptions(),
                                         logger: TestDatabase.logger)
        // given an event claimed maxAttempts times with no outcome recorded
        try await db.platform.platform("test: spend attempts") { tx in
            try await tx.execute("update platform.outbox set attempts = 3")
        }
        // when the dispatcher next looks
        #expect(try await dispatcher.dispatchBatch() == 0)
        // then it is dead, with a reason, and the handler never ran
        let dead = try await dispatcher.deadLetters()
        #expect(dead.map(\.tenantID) == [tenant])
        #expect(dead.first?.lastError?.contains("no outcome recorded after 3 attempts") == true)
        #expect(calls.value == 0)
    }

    @Test("an outcome recorded after another dispatcher re-claimed the event is discarded")
    func staleOutcomeIsDiscarded() async throws {
        let db = try await TestDatabase.shared().scratch("outbox")
        _ = try await makeTenant(db)
        var subscriptions = EventSubscriptions()
        subscriptions.subscribe(TestEvent.self, as: "test.slow") { _, _ in
            // While this handler runs, its lease "expires" and another dispatcher claims the row.
            try await db.platform.platform("test: re-claim") { tx in
                try await tx.execute("update platform.outbox set attempts = attempts + 1")
            }
        }
        let dispatcher = EventDispatcher(platform: db.platform, subscriptions: subscriptions, options: Self.fastOptions(),
                                         logger: TestDatabase.logger)
        #expect(try await dispatcher.dispatchBatch() == 1)
        // The first dispatcher's "delivered" did not overwrite the second one's claim.
        #expect(try await outbox(db).map(\.status) == [.pending])
    }

    @Test("a running dispatcher is woken by NOTIFY, not by its poll")
    func notifyWakesDispatcher() async throws {
        let db = try await TestDatabase.shared().scratch("outbox")
        let tenant = try await makeTenant(db)
        let delivered = Counter()
        var subscriptions = EventSubscriptions()
        subscriptions.subscribe(TestEvent.self, as: "test.notify") { event, _ in
            if event.note == "wake" { delivered.increment() }
        }
        var options = Self.fastOptions()
        options.pollInterval = .seconds(600)  // only a notification can wake it in time
        let dispatcher = EventDispatcher(platform: db.platform, subscriptions: subscriptions, options: options,
                                         logger: TestDatabase.logger)
        let running = Task { try await dispatcher.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .milliseconds(500))  // let it drain the "created" event and listen
        // when an event is published
        try await db.database.tenant(tenant) { tx in try await tx.publish(TestEvent(note: "wake")) }
        // then it is delivered well before the poll would fire
        let deadline = ContinuousClock.now + .seconds(10)
        while delivered.value == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(delivered.value == 1)
    }
}

struct FlakyFailure: Error {}

/// Dispatches until nothing is pending (retries included), or fails after 30 s; returns
/// how many claims it made.
@discardableResult
func drain(_ dispatcher: EventDispatcher, _ db: TestDatabase) async throws -> Int {
    let deadline = ContinuousClock.now + .seconds(30)
    var claims = 0
    while ContinuousClock.now < deadline {
        let claimed = try await dispatcher.dispatchBatch()
        claims += claimed
        if claimed == 0 {
            let pending = try await db.platform.platform("test: pending") { tx in
                try await tx.query("select count(*)::int as n from platform.outbox where status = 'pending'")
                    .first!.decode("n", as: Int.self)
            }
            if pending == 0 { return claims }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
    Issue.record("outbox did not drain in time")
    return claims
}

func version(of tenant: TenantID, in db: TestDatabase) async throws -> Int {
    try await db.database.tenant(tenant) { tx in
        try await tx.query("select version from accounts.tenants").first!.decode("version", as: Int.self)
    }
}

func outbox(_ db: TestDatabase) async throws -> [(status: OutboxEntry.Status, attempts: Int)] {
    try await db.platform.platform("test: outbox") { tx in
        try await tx.query("select status, attempts from platform.outbox where event_type = 'test.event.v1'")
            .map { row in (OutboxEntry.Status(rawValue: try row.decode("status"))!, try row.decode("attempts")) }
    }
}

final class Flag: Sendable {
    private let counter = Counter()
    func set() { counter.increment() }
    var value: Bool { counter.value > 0 }
}
