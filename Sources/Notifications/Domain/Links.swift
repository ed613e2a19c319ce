import AccountsAPI
import Foundation
import Kernel

/// Links in emails point at the product's public address (`KEEL_PUBLIC_URL`).
public struct Links: Sendable {
    let base: String

    public init(publicURL: String) {
        base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    func url(_ path: String, _ query: [String: String]) -> String {
        var components = URLComponents()
        components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return "\(base)/\(path)?\(components.percentEncodedQuery ?? "")"
    }
}
