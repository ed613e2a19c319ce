import Logging
import OTel
import ServiceLifecycle
import Storage

/// Traces over OTLP with swift-otel, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (docs/operations.md).
/// Only traces: logs stay on stdout and metrics on `/metrics`.
enum TraceExport {
    /// Bootstraps the process's tracer and returns the exporter's service (it batches spans and
    /// sends them; stopped last, it sends what is left), or nil when tracing is off.
    static func bootstrap(_ config: KeelConfig, logger: Logger) throws -> (any Service)? {
        guard let endpoint = config.tracesEndpoint else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "keel"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        // The standard OTEL_* variables (endpoint, protocol, batch delays) override these.
        let service = try OTel.bootstrap(configuration: configuration)
        Traces.enable()
        logger.notice("traces: exporting over OTLP", metadata: ["endpoint": "\(endpoint)"])
        return service
    }
}
