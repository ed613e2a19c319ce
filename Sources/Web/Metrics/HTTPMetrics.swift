import Kernel
import Foundation
import Prometheus
import Synchronization

/// The HTTP server's figures for `/metrics` (swift-prometheus's registry, one per server, so a
/// test's servers do not share counters): requests and their latency per route template,
/// method and status class, and requests in flight.
///
/// Labels are bounded by the code: the route is the router's template (`/v1/users/{user_id}`,
/// `/admin/tenants/:tenant`), or `NotFound`; never a path, a tenant or a user.
public final class HTTPMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private struct Key: Hashable { let route: String, method: String, status: String }
    private let series = Mutex<[Key: (Counter, DurationHistogram)]>([:])
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
                                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                      .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    /// The label of each status class, made once ("2xx"; "0xx" for an out-of-range status).
    private static let statusClasses = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"]

    public init() {
        inFlight = registry.makeGauge(descriptor: .init(namespace: "keel", subsystem: "http", metricName: "requests_in_flight",
                                                        unitName: "", helpText: "Requests being handled right now."))
    }

    func started() { inFlight.increment() }

    func finished(route: String, method: String, status: Int, after duration: Duration) {
        inFlight.decrement()
        let key = Key(route: route, method: method, status: Self.statusClasses[(1...5).contains(status / 100) ? status / 100 : 0])
        let (count, latency) = series.withLock { series in
            if let found = series[key] { return found }
            let labels = [("route", key.route), ("method", key.method), ("status", key.status)]
            let made = (registry.makeCounter(descriptor: .init(namespace: "keel", subsystem: "http", metricName: "requests", unitName: "total",
                                                                helpText: "Requests answered, by route template, method and status class."),
                                             labels: labels),
                        registry.makeDurationHistogram(descriptor: .init(namespace: "keel", subsystem: "http", metricName: "request_duration",
                                                                         unitName: "seconds",
                                                                         helpText: "Time from the request's head to its answer."),
                                                       labels: labels, buckets: Self.buckets))
            series[key] = made
            return made
        }
        count.increment()
        latency.record(duration)
    }

    /// The exposition text: this server's HTTP figures, then each source's.
    func exposition(_ sources: [any MetricsSource]) async -> String {
        var text = registry.emitToString()
        for source in sources {
            // A source that cannot answer (the database down) leaves its figures out; the
            // scrape still answers, with the HTTP figures and the others.
            guard let samples = try? await source.samples() else { continue }
            var described = Set<String>()
            for sample in samples {
                if described.insert(sample.name).inserted {
                    text += "# HELP \(sample.name) \(sample.help)\n# TYPE \(sample.name) \(sample.kind.rawValue)\n"
                }
                let labels = sample.labels.isEmpty ? ""
                    : "{" + sample.labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
                text += "\(sample.name)\(labels) \(Self.format(sample.value))\n"
            }
        }
        return text
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
