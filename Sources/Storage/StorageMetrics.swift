public import Kernel
internal import Synchronization

/// Running figures of the data path, for `/metrics`: connections leased and waited for,
/// statements, round trips and their time. Process-wide (every pool in the process adds to them; a server
/// has one).
public final class StorageMetrics: MetricsSource {
    public static let shared = StorageMetrics()

    let waiting = Atomic<Int>(0)
    let inUse = Atomic<Int>(0)
    let leases = Atomic<Int>(0)
    let leaseWaitNanoseconds = Atomic<Int>(0)
    let leaseTimeouts = Atomic<Int>(0)
    let statements = Atomic<Int>(0)
    let statementNanoseconds = Atomic<Int>(0)
    let statementErrors = Atomic<Int>(0)
    let roundTrips = Atomic<Int>(0)

    static func nanoseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1_000_000_000 + Int(duration.components.attoseconds / 1_000_000_000)
    }

    public func samples() async throws -> [MetricSample] {
        [
            MetricSample("keel_db_connections_in_use", .gauge, Double(inUse.load(ordering: .relaxed)),
                         help: "Pooled connections leased right now."),
            MetricSample("keel_db_connections_waiting", .gauge, Double(waiting.load(ordering: .relaxed)),
                         help: "Callers waiting for a pooled connection right now."),
            MetricSample("keel_db_connection_leases_total", .counter, Double(leases.load(ordering: .relaxed)),
                         help: "Connections leased from the pool."),
            MetricSample("keel_db_connection_wait_seconds_total", .counter, Double(leaseWaitNanoseconds.load(ordering: .relaxed)) / 1e9,
                         help: "Time spent waiting for a pooled connection (divide by the leases for the mean)."),
            MetricSample("keel_db_connection_timeouts_total", .counter, Double(leaseTimeouts.load(ordering: .relaxed)),
                         help: "Leases that waited out the connect timeout (answered 503)."),
            MetricSample("keel_db_statements_total", .counter, Double(statements.load(ordering: .relaxed)),
                         help: "Statements sent to PostgreSQL."),
            MetricSample("keel_db_statement_seconds_total", .counter, Double(statementNanoseconds.load(ordering: .relaxed)) / 1e9,
                         help: "Time from sending a statement to its last row (divide by the statements for the mean)."),
            MetricSample("keel_db_round_trips_total", .counter, Double(roundTrips.load(ordering: .relaxed)),
                         help: "Jobs sent to PostgreSQL, each one round trip (a pipeline of statements ending in one Sync)."),
            MetricSample("keel_db_statement_errors_total", .counter, Double(statementErrors.load(ordering: .relaxed)),
                         help: "Statements PostgreSQL answered with an error."),
        ]
    }
}
