public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// The tests' plain HTTP requests to their loopback peers (localstripe, the webhook receiver)
/// and to a live Keel: AsyncHTTPClient, the client Keel itself uses for Stripe and webhooks.
///
/// Not `URLSession`: on Linux it is swift-corelibs-foundation's, over libcurl, with open reports
/// of sessions that tie up threads for good and of requests that never complete
/// (swift-corelibs-foundation #3497, #3876). A test waiting on such a request waits past any
/// time limit, and so does the run.
public enum LoopbackHTTP {
    public struct Response: Sendable {
        public let status: Int
        let headers: HTTPHeaders
        public let body: Data

        /// The first value of the header `name`.
        public func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// Sends one request and returns whatever status came back; only a failure to get an
    /// answer within `timeout` throws.
    public static func send(_ method: String, _ url: String, headers: [(String, String)] = [],
                            body: Data? = nil, timeout: Duration = .seconds(30),
                            on client: HTTPClient = .shared) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                                   + timeout.components.attoseconds / 1_000_000_000))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Response(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    /// `body` with a client of its own that opens up to `connections` connections to one host
    /// at once (the shared client opens 8), shut down afterwards: for a test's burst of
    /// concurrent requests, each on its own connection.
    public static func withClient<R: Sendable>(connections: Int, _ body: (HTTPClient) async throws -> R) async throws -> R {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(10), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)))
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
