import Hummingbird
import Foundation
import HTTPTypes
import NIOCore

/// What `/readyz` asks: the composition root answers from the database.
public protocol ReadinessProbe: Sendable {
    /// Named checks and whether each passed, e.g. `["database": true, "migrations": false]`.
    func check() async -> [String: Bool]
}

/// `/healthz`: the process is alive. `/readyz`: it can serve (database reachable,
/// migrations current); 503 otherwise, so a load balancer stops sending traffic.
struct HealthRoutes {
    let readiness: any ReadinessProbe

    func register(on router: Router<KeelRequestContext>) {
        // The liveness answer never changes: encoded once, not per probe.
        let alive = Self.json(.ok, ["status": "ok"])
        router.get("/healthz") { _, _ in alive }
        router.get("/readyz") { _, _ in
            let checks = await readiness.check()
            let ready = checks.values.allSatisfy { $0 }
            var body: [String: String] = checks.mapValues { $0 ? "ok" : "failing" }
            body["status"] = ready ? "ok" : "unavailable"
            return Self.json(ready ? .ok : .serviceUnavailable, body)
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(body)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
