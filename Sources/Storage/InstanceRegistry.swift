public import Foundation
public import Kernel
public import Logging
public import ServiceLifecycle
import Synchronization

/// This process's row in `platform.instances`, kept fresh by a heartbeat, and the number of
/// rows of its group fresh enough to be alive: the divisor that turns each global rate limit
/// into this instance's share (docs/scaling.md).
///
/// Liveness is judged on the database's clock (`clock_timestamp()`), not the injected one: it
/// compares processes that may run on different hosts, and only the database is common to all.
/// The figures are soft by design. A new instance counts itself at once, its peers within one
/// `interval`, so for that long the group may allow up to one share more than the limit; a dead
/// one is counted until `expiry`, so for that long the survivors allow less.
public final class InstanceRegistry: Service, InstanceCensus, MetricsSource {
    public let id = UUID.v7()
    /// Instances that share limits: one per deployment (`KEEL_INSTANCE_GROUP`). Tests running
    /// many servers side by side on one database give each its own.
    public let group: String
    private let platform: PlatformDatabase
    private let interval: Duration
    private let expiry: Duration
    private let logger: Logger
    private let live = Atomic<Int>(1)
    private let startedAt: Date
    /// Who this is, for an operator reading the table (looked up once: it can mean a DNS query).
    private let host = ProcessInfo.processInfo.hostName
    private let pid = Int(ProcessInfo.processInfo.processIdentifier)

    public init(platform: PlatformDatabase, group: String, interval: Duration = .seconds(5),
                expiry: Duration = .seconds(15), logger: Logger) {
        self.platform = platform
        self.group = group
        self.interval = interval
        self.expiry = expiry
        self.logger = logger
        startedAt = platform.clock.now
    }

    public var liveInstances: Int { max(1, live.load(ordering: .relaxed)) }

    /// Refreshes this instance's row, forgets rows silent for an hour, and counts the live
    /// members of the group; returns the count.
    @discardableResult
    public func heartbeat() async throws -> Int {
        let expirySeconds = Double(expiry.components.seconds)
        let count = try await platform.platform("instance heartbeat") { tx in
            try await tx.execute("""
                insert into platform.instances (instance_id, instance_group, host, pid, started_at, seen_at)
                values (\(id), \(group), \(host), \(pid), \(startedAt), clock_timestamp())
                on conflict (instance_id) do update set seen_at = clock_timestamp()
                """)
            try await tx.execute("delete from platform.instances where seen_at < clock_timestamp() - interval '1 hour'")
            let rows = try await tx.query("""
                select count(*)::integer as live from platform.instances
                where instance_group = \(group) and seen_at > clock_timestamp() - make_interval(secs => \(expirySeconds))
                """)
            return try rows.first?.decode("live", as: Int.self) ?? 1
        }
        live.store(max(1, count), ordering: .relaxed)
        return count
    }

    /// Deletes this instance's row, so its peers take over its share at their next heartbeat.
    public func leave() async throws {
        try await platform.platform("instance leave") { tx in
            try await tx.execute("delete from platform.instances where instance_id = \(id)")
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await heartbeat()
            } catch {
                // The last count stands: a database that is away is not a reason to change limits.
                logger.warning("instance heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        do {
            try await leave()
        } catch {
            logger.notice("instance row left to expire", metadata: ["error": "\(error)"])
        }
    }

    public func samples() async throws -> [MetricSample] {
        [MetricSample("keel_instances_live", .gauge, Double(liveInstances),
                      help: "Keel instances of this group seen alive in the last heartbeat; each rate limit is divided by it.")]
    }
}
