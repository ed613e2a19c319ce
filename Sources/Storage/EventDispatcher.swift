import Foundation
public import Kernel
public import Logging
public import ServiceLifecycle
internal import PostgresPipeline

/// Delivers outbox events to in-process subscribers, at least once per subscriber; each
/// subscriber's inbox makes the effect exactly once.
///
/// A batch is *claimed* in one short platform transaction (`FOR UPDATE SKIP LOCKED`, so
/// concurrent dispatchers take disjoint rows) by pushing its `available_at` a lease into the
/// future; handlers then run in tenant transactions; the outcome is recorded last. A
/// dispatcher that dies mid-batch leaves its rows to be claimed again when the lease ends.
public final class EventDispatcher: Service, Sendable {
    public struct Options: Sendable {
        public var batchSize = 20
        /// Attempts before an event is dead-lettered (kept, inspectable, re-drivable).
        public var maxAttempts = 8
        /// First retry delay; doubled per attempt, capped, with jitter.
        public var baseBackoff: Duration = .seconds(1)
        public var maxBackoff: Duration = .seconds(300)
        /// How long a claimed batch is hidden from other dispatchers.
        public var lease: Duration = .seconds(60)
        /// Fallback poll when no notification arrives (LISTEN can miss while reconnecting).
        public var pollInterval: Duration = .seconds(2)
        public init() {}
    }

    let platform: PlatformDatabase
    let subscriptions: EventSubscriptions
    let options: Options
    let logger: Logger
    let wakeup = Wakeup()

    public init(platform: PlatformDatabase, subscriptions: EventSubscriptions, options: Options = .init(), logger: Logger) {
        self.platform = platform
        self.subscriptions = subscriptions
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        let listener = Task { await self.listen() }
        defer { listener.cancel() }
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    if try await dispatchBatch() == options.batchSize { continue }
                } catch where Task.isCancelled || error is CancellationError {
                    break
                } catch {
                    logger.error("outbox dispatch failed", metadata: ["error": "\(error)"])
                }
                await wakeup.wait(timeout: options.pollInterval)
            }
        } onGracefulShutdown: {
            self.wakeup.signal()
        }
    }

    /// The injected clock (the platform's).
    public var clock: any WallClock { platform.clock }

    /// Claims and delivers one batch; returns how many events it claimed. Public so that tests
    /// and operator commands can drive delivery step by step.
    @discardableResult
    public func dispatchBatch() async throws -> Int {
        let leaseSeconds = Double(options.lease.components.seconds)
        let claimed = try await platform.platform("outbox claim") { tx in
            // An event whose attempts are spent without an outcome being recorded (the process
            // died while handling it, every time) is dead-lettered here rather than retried forever.
            let reason = "no outcome recorded after \(options.maxAttempts) attempts (the dispatcher stopped while handling it)"
            try await tx.execute("""
                update platform.outbox
                   set status = 'dead', last_error = coalesce(last_error, \(reason))
                 where status = 'pending' and available_at <= now() and attempts >= \(options.maxAttempts)
                """)
            return try await tx.query("""
                update platform.outbox o
                   set available_at = now() + make_interval(secs => \(leaseSeconds)), attempts = o.attempts + 1
                 where (o.tenant_id, o.id) in (
                       select tenant_id, id from platform.outbox
                        where status = 'pending' and available_at <= now() and attempts < \(options.maxAttempts)
                        order by available_at, id
                        limit \(options.batchSize)
                        for update skip locked)
                returning o.tenant_id, o.id, o.event_type, o.payload::text as payload, o.attempts, o.trace_context
                """).map(ClaimedEvent.init)
        }
        for event in claimed {
            await deliver(event)
        }
        return claimed.count
    }

    struct ClaimedEvent {
        let tenantID: TenantID, id: EventID, type: String, payload: Data, attempts: Int
        /// The trace the event was published in (`Traces.traceContext()`), when traced.
        let traceContext: String?
        init(_ row: Row) throws {
            traceContext = try row.decode("trace_context")
            tenantID = try row.decode("tenant_id")
            id = try row.decode("id")
            type = try row.decode("event_type")
            payload = Data(try row.decode("payload", as: String.self).utf8)
            attempts = try row.decode("attempts")
        }
    }

    private func deliver(_ event: ClaimedEvent) async {
        var failure: (any Error)?
        for subscriber in subscriptions.subscribers(of: event.type) {
            do {
                // The handler continues the trace of the request that published the event.
                try await Traces.span("event \(event.type) → \(subscriber.name)", continuing: event.traceContext,
                                      attributes: ["keel.tenant_id": event.tenantID.description, "keel.event_id": event.id.description]) {
                    try await platform.tenants.tenant(event.tenantID) { tx in
                        // The inbox row and the handler's effect commit together; a second delivery
                        // finds the row (or waits on its lock) and skips the handler.
                        let fresh = try await tx.query("""
                            insert into platform.inbox (tenant_id, subscriber, event_id)
                            values (\(event.tenantID), \(subscriber.name), \(event.id))
                            on conflict do nothing returning event_id
                            """)
                        if !fresh.isEmpty { try await subscriber.handle(event.payload, tx) }
                    }
                }
            } catch {
                logger.warning("event handler failed", metadata: [
                    "event_id": "\(event.id)", "event_type": "\(event.type)", "subscriber": "\(subscriber.name)",
                    "attempt": "\(event.attempts)", "error": "\(error)",
                ])
                failure = error
            }
        }
        do {
            try await record(event, failure: failure)
        } catch {
            // The lease runs out and the event is claimed again; inboxes keep that harmless.
            logger.error("could not record outbox outcome", metadata: ["event_id": "\(event.id)", "error": "\(error)"])
        }
    }

    private func record(_ event: ClaimedEvent, failure: (any Error)?) async throws {
        try await platform.platform("outbox record") { tx in
            guard let failure else {
                try await tx.execute("""
                    update platform.outbox set status = 'delivered', delivered_at = now(), last_error = null
                     where tenant_id = \(event.tenantID) and id = \(event.id) and \(Self.stillOurs(event))
                    """)
                return
            }
            let message = String(String(describing: failure).prefix(2000))
            if event.attempts >= options.maxAttempts {
                logger.error("event dead-lettered", metadata: ["event_id": "\(event.id)", "event_type": "\(event.type)"])
                try await tx.execute("""
                    update platform.outbox set status = 'dead', last_error = \(message)
                     where tenant_id = \(event.tenantID) and id = \(event.id) and \(Self.stillOurs(event))
                    """)
            } else {
                try await tx.execute("""
                    update platform.outbox
                       set available_at = now() + make_interval(secs => \(backoff(afterAttempt: event.attempts))),
                           last_error = \(message)
                     where tenant_id = \(event.tenantID) and id = \(event.id) and \(Self.stillOurs(event))
                    """)
            }
        }
    }

    /// The row is still the one this dispatcher claimed: if its lease ran out and another
    /// dispatcher claimed it again (attempts moved on), this outcome is stale and must not
    /// overwrite that one's.
    static func stillOurs(_ event: ClaimedEvent) -> SQL {
        "status = 'pending' and attempts = \(event.attempts)"
    }

    /// Exponential backoff with jitter (between half and all of the doubled delay), in seconds.
    func backoff(afterAttempt attempt: Int) -> Double {
        RetryBackoff(base: options.baseBackoff, cap: options.maxBackoff).seconds(afterAttempt: attempt)
    }

    // MARK: - Dead letters

    /// Dead-lettered events, newest first.
    public func deadLetters(limit: Int = 100) async throws -> [OutboxEntry] {
        try await entries(where: "status = 'dead'", limit: limit)
    }

    /// How the outbox is doing: events waiting, the oldest of them, and events given up on.
    public func health() async throws -> OutboxHealth {
        try await platform.platform("outbox health") { tx in
            let row = try await tx.query("""
                select count(*) filter (where status = 'pending') as pending,
                       count(*) filter (where status = 'dead') as dead,
                       min(created_at) filter (where status = 'pending') as oldest
                from platform.outbox where status in ('pending', 'dead')
                """)[0]
            return OutboxHealth(pending: try row.decode("pending", as: Int.self), deadLettered: try row.decode("dead", as: Int.self),
                                oldestPendingAt: try row.decode("oldest"))
        }
    }

    /// The outbox row of one event, for inspection.
    public func entry(_ id: EventID, tenantID: TenantID) async throws -> OutboxEntry? {
        try await entries(where: "tenant_id = \(tenantID) and id = \(id)", limit: 1).first
    }

    /// The outbox row of one event, whichever tenant's it is (event ids are unique): for the
    /// operator's `keel outbox dead-letters show`.
    public func entry(_ id: EventID) async throws -> OutboxEntry? {
        try await entries(where: "id = \(id)", limit: 1).first
    }

    /// Puts a dead-lettered event back in the queue with a fresh attempt budget.
    public func redrive(_ id: EventID, tenantID: TenantID) async throws {
        try await platform.platform("outbox redrive") { tx in
            try await tx.execute("""
                update platform.outbox set status = 'pending', attempts = 0, available_at = now()
                 where tenant_id = \(tenantID) and id = \(id) and status = 'dead'
                """)
            try await tx.execute("select pg_notify(\(Outbox.channel), '')")
        }
    }

    private func entries(where condition: SQL, limit: Int) async throws -> [OutboxEntry] {
        try await platform.platform("outbox inspect") { tx in
            try await tx.query("""
                select id, tenant_id, event_type, status, attempts, last_error, created_at from platform.outbox
                 where \(condition) order by created_at desc limit \(limit)
                """).map { row in
                OutboxEntry(id: try row.decode("id"), tenantID: try row.decode("tenant_id"),
                            eventType: try row.decode("event_type"),
                            status: try row.decode("status", as: OutboxEntry.Status.self),
                            attempts: try row.decode("attempts"), lastError: try row.decode("last_error"),
                            createdAt: try row.decode("created_at"))
            }
        }
    }

    // MARK: - LISTEN

    /// Keeps a dedicated connection listening on the outbox channel and turns each
    /// notification into a wake-up; reconnects with a pause when the connection drops.
    private func listen() async {
        while !Task.isCancelled {
            do {
                let wakeup = self.wakeup
                let connection = try await PipelineConnection.connect(platform.pool.configuration.conninfo) { _, _ in wakeup.signal() }
                defer { connection.close() }
                _ = try await connection.run([Statement("listen \(Outbox.channel)")])
                wakeup.signal()  // catch up on anything sent while we were away
                // The connection's reader hears notifications; this only notices it closing.
                while !connection.isClosed { try await Task.sleep(for: .seconds(1)) }
                logger.debug("outbox listener connection closed; reconnecting")
            } catch {
                if Task.isCancelled { return }
                logger.debug("outbox listener reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
