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
        let response = try await client.execute(request, timeout: TimeAmount(timeout))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Response(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    /// `count` requests sent at once, each on its own connection (a client of their own, which
    /// opens as many as asked; the shared one opens 8 to a host), in the order they were made;
    /// `headers(i)` gives the `i`th its headers.
    public static func sendAtOnce(_ count: Int, _ method: String, _ url: String, body: Data? = nil,
                                  headers: (Int) -> [(String, String)]) async throws -> [Response] {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(10), concurrentHTTP1ConnectionsPerHostSoftLimit: count)))
        do {
            let responses = try await withThrowingTaskGroup(of: (Int, Response).self) { group in
                for index in 0..<count {
                    let fields = headers(index)
                    group.addTask { (index, try await send(method, url, headers: fields, body: body, on: client)) }
                }
                var all: [(Int, Response)] = []
                for try await answered in group { all.append(answered) }
                return all.sorted { $0.0 < $1.0 }.map(\.1)
            }
            try await client.shutdown()
            return responses
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
