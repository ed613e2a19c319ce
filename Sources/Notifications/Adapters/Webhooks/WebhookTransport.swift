import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What became of one POST to an endpoint.
struct WebhookResponse: Sendable {
    /// The HTTP status, when the endpoint answered.
    var status: Int?
    /// The first bytes of the answer (`WebhookPolicy.responseCapture`).
    var body: String?
    /// `Retry-After`, when a 429 or 503 gave one.
    var retryAfter: Duration?
    /// Why there is no answer (refused address, timeout, connection error).
    var error: String?
}

/// Posts a signed message to an endpoint.
protocol WebhookTransport: Sendable {
    func post(_ url: URL, headers: [(String, String)], body: String) async -> WebhookResponse
}

/// The real transport, over async-http-client. Before every connection the host is resolved
/// here and each address checked (`IPAddress.isForbidden`); the connection goes to the checked
/// address only (async-http-client's `dnsOverride`, which keeps the name for TLS and `Host`),
/// so a name that resolves to a private address at delivery time is refused even if it did not
/// at registration. Redirects are not followed; the whole attempt has `policy.timeout`.
final class HTTPWebhookTransport: WebhookTransport {
    let policy: WebhookPolicy
    let logger: Logger
    /// One client per (host, checked address): a client's `dnsOverride` is fixed, and keeping
    /// it keeps the endpoint's connections alive between deliveries.
    private let clients = Mutex<[String: HTTPClient]>([:])
    static let maxClients = 256

    init(policy: WebhookPolicy, logger: Logger) {
        self.policy = policy
        self.logger = logger
    }

    func shutdown() async {
        for client in clients.withLock({ clients in defer { clients = [:] }; return Array(clients.values) }) {
            try? await client.shutdown()
        }
    }

    func post(_ url: URL, headers: [(String, String)], body: String) async -> WebhookResponse {
        guard let host = url.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) else {
            return WebhookResponse(error: "The URL has no host.")
        }
        let address: String
        do {
            address = try await checkedAddress(host)
        } catch {
            return WebhookResponse(error: "\(error)")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client(host: host, address: address).execute(request, timeout: .init(policy.timeout))
            var captured = ByteBuffer()
            for try await var chunk in response.body {
                let room = policy.responseCapture - captured.readableBytes
                if room > 0, let slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                    captured.writeImmutableBuffer(slice)
                }
            }
            let status = Int(response.status.code)
            return WebhookResponse(status: status, body: String(buffer: captured),
                                   retryAfter: status == 429 || status == 503 ? Self.retryAfter(response.headers.first(name: "retry-after")) : nil)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return WebhookResponse(error: "No answer within \(Int(WebhookPolicy.seconds(policy.timeout))) s.")
        } catch {
            return WebhookResponse(error: "Could not deliver: \(error)")
        }
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// The address to connect to: the host itself when it is an address, otherwise the first of
    /// its resolved addresses that is allowed. Refused when none is.
    private func checkedAddress(_ host: String) async throws -> String {
        if let literal = IPAddress(host) {
            if literal.isForbidden && !policy.allowPrivateAddresses {
                throw Refused(description: "Refused: \(host) is a loopback, private or reserved address.")
            }
            return host
        }
        let addresses = try await Self.resolve(host)
        guard !addresses.isEmpty else { throw Refused(description: "Could not resolve \(host).") }
        if policy.allowPrivateAddresses { return addresses[0].description }
        guard let allowed = addresses.first(where: { !$0.isForbidden }) else {
            throw Refused(description: "Refused: \(host) resolves to a loopback, private or reserved address.")
        }
        return allowed.description
    }

    /// `getaddrinfo` on NIO's blocking-work pool, never on the cooperative pool.
    static func resolve(_ host: String) async throws -> [IPAddress] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &result) == 0 else { return [] }
            defer { freeaddrinfo(result) }
            var addresses: [IPAddress] = []
            var cursor = result
            while let info = cursor {
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                switch info.pointee.ai_family {
                case AF_INET:
                    info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin_addr
                        _ = inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
                    }
                case AF_INET6:
                    info.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin6_addr
                        _ = inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
                    }
                default: break
                }
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if let address = IPAddress(text), !addresses.contains(address) { addresses.append(address) }
                cursor = info.pointee.ai_next
            }
            return addresses
        }
    }

    private func client(host: String, address: String) -> HTTPClient {
        let key = "\(host)\u{0}\(address)"
        let (client, evicted): (HTTPClient, [HTTPClient]) = clients.withLock { clients in
            if let client = clients[key] { return (client, []) }
            var evicted: [HTTPClient] = []
            if clients.count >= Self.maxClients {
                evicted = Array(clients.values)
                clients = [:]
            }
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
            if IPAddress(host) == nil { configuration.dnsOverride = [host: address] }
            let client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: configuration)
            clients[key] = client
            return (client, evicted)
        }
        for old in evicted { Task { try? await old.shutdown() } }
        return client
    }

    /// Seconds, or an HTTP date.
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSinceNow)))
    }
}
