/// One figure for `/metrics`, read when Prometheus scrapes: a module or service reports what it
/// knows (a queue's length, a running total) without depending on a metrics library.
public struct MetricSample: Sendable, Equatable {
    public enum Kind: String, Sendable { case counter, gauge }

    /// Prometheus's name, `keel_` first; a counter's ends in `_total`.
    public let name: String
    public let help: String
    public let kind: Kind
    /// Only labels with a small, fixed set of values (never a tenant, user or path).
    public let labels: [(String, String)]
    public let value: Double

    public init(_ name: String, _ kind: Kind, _ value: Double, help: String, labels: [(String, String)] = []) {
        self.name = name
        self.kind = kind
        self.value = value
        self.help = help
        self.labels = labels
    }

    public static func == (lhs: MetricSample, rhs: MetricSample) -> Bool {
        lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.value == rhs.value && lhs.help == rhs.help
            && lhs.labels.map { "\($0.0)=\($0.1)" } == rhs.labels.map { "\($0.0)=\($0.1)" }
    }
}

/// Something that reports figures at scrape time.
public protocol MetricsSource: Sendable {
    func samples() async throws -> [MetricSample]
}
