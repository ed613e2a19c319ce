public import Kernel
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What `/metrics` serves, and to whom.
public struct MetricsSettings: Sendable {
    /// The bearer token Prometheus sends (`authorization: credentials` in its scrape config).
    /// Without one there is no `/metrics`: figures about a SaaS's traffic are not for anyone
    /// who can reach its port.
    public var token: String?
    /// Figures read at scrape time: the data path, the outbox, the mail and webhook queues,
    /// the password hasher, the process.
    public var sources: [any MetricsSource]

    public init(token: String? = nil, sources: [any MetricsSource] = []) {
        self.token = token
        self.sources = sources
    }
}

/// `GET /metrics` in Prometheus's text format, on the main port, for the bearer token only;
/// never rate-limited (it is outside `/v1`) nor logged per request.
struct MetricsRoute {
    let settings: MetricsSettings
    let metrics: HTTPMetrics
    let refusals: RateLimitRefusals

    func register(on router: Router<KeelRequestContext>) {
        guard let token = settings.token, !token.isEmpty else { return }
        let expected = Array(SHA256.hash(data: Data("Bearer \(token)".utf8)))
        router.get("/metrics") { request, _ -> Response in
            let given = Array(SHA256.hash(data: Data((request.headers[.authorization] ?? "").utf8)))
            // Compared as digests, so the time taken says nothing about the token.
            guard given == expected else {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"metrics\""])
            }
            let text = await metrics.exposition(settings.sources + [refusals])
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
