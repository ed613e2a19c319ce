import Foundation
import Instrumentation
import Synchronization
import Tracing

/// Spans for what Keel does, and the trace context that crosses the outbox and the queues.
///
/// Off unless the process bootstrapped a tracer (`keel serve` with `OTEL_EXPORTER_OTLP_ENDPOINT`,
/// docs/operations.md): then every helper here runs its body directly, with no span and no
/// task-local, so tracing that is off costs an atomic load.
///
/// What is traced: a span per request (Web), per transaction and per statement (its SQL text,
/// never its values), per event handler, per email sent and per webhook delivery attempt. A row
/// written for later work (an outbox event, a queued email, a webhook message) stores the
/// context it was written in (`traceContext()`); the worker that picks it up continues that
/// trace (`span(_:continuing:)`), so one trace runs request → event → handler → email/webhook.
public enum Traces {
    private static let on = Atomic<Bool>(false)

    /// What a span stands for (OpenTelemetry's kinds, so modules need not import Tracing).
    public enum Kind: Sendable {
        case `internal`, client, producer, consumer

        var spanKind: SpanKind {
            switch self {
            case .internal: .internal
            case .client: .client
            case .producer: .producer
            case .consumer: .consumer
            }
        }
    }

    /// Whether spans are made: set once, after the tracer is bootstrapped, before serving.
    public static var enabled: Bool { on.load(ordering: .relaxed) }

    public static func enable() { on.store(true, ordering: .relaxed) }

    /// Runs `body` in a child span of the current one.
    public static func span<R>(
        _ name: String, kind: Kind = .internal, attributes: [String: String] = [:],
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
    ) async throws -> R {
        guard enabled else { return try await body() }
        return try await withSpan(name, ofKind: kind.spanKind, isolation: isolation) { span in
            for (key, value) in attributes { span.attributes[key] = value }
            return try await body()
        }
    }

    /// Runs `body` in a span that continues the trace stored with a row (`traceContext()`), or
    /// starts a new trace when the row has none.
    public static func span<R>(
        _ name: String, continuing stored: String?, kind: Kind = .consumer, attributes: [String: String] = [:],
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
    ) async throws -> R {
        guard enabled else { return try await body() }
        var context = ServiceContext.topLevel
        if let stored, let carrier = try? JSONDecoder().decode([String: String].self, from: Data(stored.utf8)) {
            InstrumentationSystem.instrument.extract(carrier, into: &context, using: DictionaryCarrier())
        }
        return try await withSpan(name, context: context, ofKind: kind.spanKind, isolation: isolation) { span in
            for (key, value) in attributes { span.attributes[key] = value }
            return try await body()
        }
    }

    /// The current trace context, as the text stored with a row for later work; nil when
    /// nothing is traced.
    public static func traceContext() -> String? {
        guard enabled, let context = ServiceContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryCarrier())
        guard !carrier.isEmpty, let data = try? JSONEncoder().encode(carrier) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The propagator's headers in a dictionary (the stored form of a trace context).
struct DictionaryCarrier: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
