-- The trace a row was written in (W3C trace context: `traceparent` and `tracestate`, as the
-- JSON object the propagator fills), so the work the row causes later continues that trace:
-- an event's handlers, an email's sending, a webhook's delivery (docs/operations.md, Traces).
-- Null when tracing is off (no OTEL_EXPORTER_OTLP_ENDPOINT), which is the default.
alter table platform.outbox add column trace_context text;
alter table notifications.messages add column trace_context text;
alter table notifications.webhook_messages add column trace_context text;
