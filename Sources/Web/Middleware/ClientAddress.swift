import Foundation
import Hummingbird
public import HTTPTypes
import Kernel
#if canImport(Glibc)
import Glibc
#endif

/// The proxies whose word on the client's address is believed (`KEEL_TRUSTED_PROXIES`: CIDRs,
/// comma-separated, IPv4 or IPv6). Empty, the default: the peer of the connection is the client,
/// and `X-Forwarded-For` / `Forwarded` are ignored, since anyone can send them.
public struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        let address: [UInt8]
        let prefix: Int

        func contains(_ other: [UInt8]) -> Bool {
            guard other.count == address.count else { return false }
            var bits = prefix
            for (a, b) in zip(address, other) {
                guard bits > 0 else { return true }
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    let networks: [Network]

    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) { self.networks = networks }

    /// Parses `10.0.0.0/8, 127.0.0.1, ::1/128`; throws a sentence naming the first bad entry.
    public init(parsing text: String) throws {
        var networks: [Network] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let address = Self.bytes(parts[0]) else {
                throw AppError(.configurationInvalid, "KEEL_TRUSTED_PROXIES: '\(entry)' is not an IP address or CIDR (like 10.0.0.0/8).")
            }
            let prefix = parts.count == 2 ? Int(parts[1]) : address.count * 8
            guard let prefix, (0...(address.count * 8)).contains(prefix) else {
                throw AppError(.configurationInvalid, "KEEL_TRUSTED_PROXIES: '\(entry)' has a prefix length out of range.")
            }
            networks.append(Network(address: address, prefix: prefix))
        }
        self.networks = networks
    }

    public var isEmpty: Bool { networks.isEmpty }

    func trusts(_ address: String) -> Bool {
        guard let bytes = Self.bytes(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address for a request from `peer` with these headers: the peer itself unless
    /// it is a trusted proxy; then the rightmost forwarded address that is not a trusted proxy
    /// (the ones left of it were written by whoever reached the first proxy, and can be anything).
    public func clientAddress(peer: String, headers: HTTPFields) -> String {
        guard !networks.isEmpty, trusts(peer) else { return peer }
        var chain = Self.forwardedFor(headers)
        if chain.isEmpty { chain = Self.xForwardedFor(headers) }
        for address in chain.reversed() {
            guard Self.bytes(address) != nil else { return peer }  // garbage: believe nothing
            if !trusts(address) { return address }
        }
        return chain.first ?? peer
    }

    /// `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"` (RFC 7239).
    static func forwardedFor(_ headers: HTTPFields) -> [String] {
        headers[values: .forwarded].flatMap { $0.split(separator: ",") }.compactMap { element in
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, parts[0].lowercased() == "for" else { continue }
                var value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
                    value = String(value[value.index(after: value.startIndex)..<close])
                } else if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") {
                    value = String(value[..<colon])  // IPv4 with a port
                }
                return value
            }
            return nil
        }
    }

    /// `X-Forwarded-For: client, proxy1, proxy2`.
    static func xForwardedFor(_ headers: HTTPFields) -> [String] {
        headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address, or nil.
    static func bytes(_ text: String) -> [UInt8]? {
        for (family, size) in [(AF_INET, 4), (AF_INET6, 16)] {
            var address = [UInt8](repeating: 0, count: size)
            if inet_pton(family, text, &address) == 1 { return address }
        }
        return nil
    }
}

/// Sets `KeelRequestContext.clientAddress` from the forwarding headers when the peer is a
/// trusted proxy (`TrustedProxies`); first in the chain after the request id, so every layer
/// (rate limits, the login back-off, audit entries, the request log) sees the same address.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = KeelRequestContext
    let trusted: TrustedProxies

    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = trusted.clientAddress(peer: context.clientAddress, headers: request.headers)
        return try await next(request, context)
    }
}
