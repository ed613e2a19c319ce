import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Testing

/// `/metrics` over real HTTP: who may scrape it, its format, and figures that move with the
/// traffic the test makes.
@Suite("Operations: /metrics")
struct MetricsTests {
    static let token = "scrape-\(UUID().uuidString)"

    /// Each series (`name{labels}`) and its value, as Prometheus would read the text.
    static func scrape(_ api: API) async throws -> [String: Double] {
        let response = try await api.call(.get, "/metrics", headers: ["Authorization": "Bearer \(token)"])
        #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        var figures: [String: Double] = [:]
        for line in response.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("not a sample line: \(line)")
                continue
            }
            figures[String(line[..<space])] = value
        }
        return figures
    }

    @Test("/metrics answers the bearer token only, in Prometheus's text format; requests, latency, the pool, the queues and the process are there and move")
    func scrapeMoves() async throws {
        try await LiveAPI.run({ $0.metricsToken = Self.token; $0.rateLimitCredential = 6 }) { api, _ in
            #expect(try await api.call(.get, "/metrics").status == .unauthorized)
            #expect(try await api.call(.get, "/metrics", headers: ["Authorization": "Bearer nope"]).status == .unauthorized)
            let tenant = try await api.signUp()
            let before = try await Self.scrape(api)
            for _ in 0..<3 { #expect(try await api.call(.get, "/v1/users", token: tenant.token).status == .ok) }
            #expect(try await api.call(.get, "/v1/users/\(UUID().uuidString.lowercased())", token: tenant.token).status == .notFound)
            #expect(try await api.call(.get, "/no/such/page").status == .notFound)
            // Six a minute for this credential: the last two of these are refused.
            for _ in 0..<4 { _ = try await api.call(.get, "/v1/users", token: tenant.token) }
            let after = try await Self.scrape(api)
            func moved(_ series: String) -> Double { (after[series] ?? 0) - (before[series] ?? 0) }

            let users = #"route="/v1/users",method="GET""#
            #expect(moved(#"keel_http_requests_total{\#(users),status="2xx"}"#) == 5, "\(after.keys.filter { $0.contains("requests_total") })")
            #expect(moved(#"keel_http_requests_total{\#(users),status="4xx"}"#) == 2)
            #expect(moved(#"keel_http_request_duration_seconds_count{\#(users),status="2xx"}"#) == 5)
            #expect(moved(#"keel_http_request_duration_seconds_bucket{\#(users),status="2xx",le="+Inf"}"#) == 5)
            #expect(after.keys.contains(#"keel_http_requests_total{route="/v1/users/{user_id}",method="GET",status="4xx"}"#),
                    "a matched route is labelled by its template, never its id")
            #expect(moved(#"keel_http_requests_total{route="NotFound",method="GET",status="4xx"}"#) == 1, "\(after.keys.filter { $0.hasPrefix("keel_http_requests_total") })")
            #expect(!after.keys.contains { $0.contains(tenant.id) }, "no tenant in any label")
            #expect((after["keel_http_requests_in_flight"] ?? 0) >= 1, "the scrape itself is in flight")
            #expect(moved("keel_rate_limit_refusals_total") == 2)
            #expect(moved("keel_db_statements_total") > 0 && moved("keel_db_connection_leases_total") > 0)
            #expect(moved("keel_db_round_trips_total") >= 7, "each GET is at least one round trip")
            #expect(after["keel_db_connection_wait_seconds_total"] != nil && after["keel_db_connections_in_use"] != nil)
            for gauge in ["keel_outbox_pending", "keel_outbox_oldest_pending_seconds", "keel_outbox_dead_letters", "keel_mail_queued",
                          "keel_mail_oldest_queued_seconds", "keel_webhook_deliveries_pending", "keel_password_hashing_in_flight",
                          "keel_password_hashing_rejections_total"] {
                #expect(after[gauge] != nil, "\(gauge) is reported")
            }
            #expect((after["keel_password_hashing_capacity"] ?? 0) > 0)
            #expect((after["keel_process_resident_memory_bytes"] ?? 0) > 10_000_000)
            #expect((after["keel_process_open_fds"] ?? 0) > 0)
        }
    }

    @Test("without KEEL_METRICS_TOKEN there is no /metrics")
    func offWithoutToken() async throws {
        try await LiveAPI.run({ $0.metricsToken = nil }) { api, _ in
            let scrape = try await api.call(.get, "/metrics", headers: ["Authorization": "Bearer \(Self.token)"])
            #expect(scrape.status == .notFound)
        }
    }
}
