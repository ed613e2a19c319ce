import Foundation
import Kernel

#if canImport(Glibc)
import Glibc
#endif

/// Where a webhook may go. An endpoint's URL is checked when it is registered and its host's
/// addresses again before every connection (DNS can change between the two): `https` only
/// (plain `http` when the operator allows it), no credentials in the URL, and no loopback,
/// private, link-local, multicast, reserved or cloud-metadata address — unless the operator
/// lifts the address rule (`KEEL_WEBHOOKS_ALLOW_PRIVATE`, for tests).
enum WebhookAddress {
    /// The URL as given, checked; its host is returned for the connect-time check.
    static func validate(_ text: String, policy: WebhookPolicy, field: String = "url") throws -> URL {
        func refuse(_ code: String, _ message: String) -> AppError {
            AppError.validation([FieldError(field: field, code: code, message: message)])
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 2048, let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
              let host = url.host, !host.isEmpty else {
            throw refuse("invalid_url", "Give an absolute URL such as https://example.com/webhooks.")
        }
        guard scheme == "https" || (scheme == "http" && policy.allowHTTP) else {
            throw refuse("insecure_url", policy.allowHTTP ? "Use an https:// or http:// URL." : "Use an https:// URL.")
        }
        guard url.user == nil, url.password == nil else {
            throw refuse("invalid_url", "Leave credentials out of the URL; verify deliveries by their signature.")
        }
        guard url.fragment == nil else { throw refuse("invalid_url", "A webhook URL has no #fragment.") }
        if !policy.allowPrivateAddresses {
            let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".internal") || name.hasSuffix(".local") {
                throw refuse("forbidden_address", "The URL's host is a local name; give a public address.")
            }
            if let address = IPAddress(name), address.isForbidden {
                throw refuse("forbidden_address", "The URL points at a loopback, private or reserved address; give a public one.")
            }
        }
        return url
    }
}

/// An IPv4 or IPv6 address, parsed with `inet_pton`, and whether webhooks may reach it.
struct IPAddress: Equatable, CustomStringConvertible {
    enum Family { case v4, v6 }
    let family: Family
    /// 4 or 16 bytes, network order.
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            family = .v4
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            family = .v6
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    var description: String {
        switch family {
        case .v4: return bytes.map(String.init).joined(separator: ".")
        case .v6: return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
        }
    }

    /// Loopback, private, shared (CGNAT), link-local (and so the cloud metadata address
    /// 169.254.169.254), multicast, reserved, documentation and unspecified addresses; an IPv6
    /// address that embeds an IPv4 one is judged by it.
    var isForbidden: Bool {
        switch family {
        case .v4: return Self.forbiddenV4.contains { Self.matches(bytes, $0.prefix, $0.bits) }
        case .v6:
            let mappedV4: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff]
            if Array(bytes.prefix(12)) == mappedV4 || Self.matches(bytes, [0x00, 0x64, 0xff, 0x9b] + Array(repeating: 0, count: 8), 96) {
                return Self.forbiddenV4.contains { Self.matches(Array(bytes.suffix(4)), $0.prefix, $0.bits) }
            }
            return Self.forbiddenV6.contains { Self.matches(bytes, $0.prefix, $0.bits) }
        }
    }

    private static let forbiddenV4: [(prefix: [UInt8], bits: Int)] = [
        ([0, 0, 0, 0], 8), ([10, 0, 0, 0], 8), ([100, 64, 0, 0], 10), ([127, 0, 0, 0], 8), ([169, 254, 0, 0], 16),
        ([172, 16, 0, 0], 12), ([192, 0, 0, 0], 24), ([192, 0, 2, 0], 24), ([192, 88, 99, 0], 24), ([192, 168, 0, 0], 16),
        ([198, 18, 0, 0], 15), ([198, 51, 100, 0], 24), ([203, 0, 113, 0], 24), ([224, 0, 0, 0], 4), ([240, 0, 0, 0], 4),
    ]
    private static let forbiddenV6: [(prefix: [UInt8], bits: Int)] = [
        (Array(repeating: 0, count: 16), 128),                      // ::
        (Array(repeating: 0, count: 15) + [1], 128),                // ::1
        ([0x01, 0x00] + Array(repeating: 0, count: 14), 64),        // 100::/64 discard
        ([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 12), 32),  // documentation
        ([0xfc] + Array(repeating: 0, count: 15), 7),               // unique local (fd00:ec2::254 too)
        ([0xfe, 0x80] + Array(repeating: 0, count: 14), 10),        // link-local
        ([0xfe, 0xc0] + Array(repeating: 0, count: 14), 10),        // site-local (deprecated)
        ([0xff] + Array(repeating: 0, count: 15), 8),               // multicast
    ]

    private static func matches(_ address: [UInt8], _ prefix: [UInt8], _ bits: Int) -> Bool {
        var remaining = bits
        for index in 0..<prefix.count where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - take))
            if address[index] & mask != prefix[index] & mask { return false }
            remaining -= take
        }
        return true
    }
}
