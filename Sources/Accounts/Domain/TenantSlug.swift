import Foundation
import Kernel

/// A tenant's address: 3–40 characters of `a-z`, `0-9` and `-`, starting with a letter,
/// not ending with `-`, and not a word the platform keeps for itself.
struct TenantSlug: Equatable {
    let value: String

    static let reserved: Set<String> = ["admin", "api", "app", "assets", "auth", "billing", "help", "keel",
                                        "login", "platform", "root", "signup", "staff", "status", "support",
                                        "system", "v1", "www"]

    init(_ raw: String) throws {
        let slug = raw.trimmingCharacters(in: .whitespaces)
        guard (3...40).contains(slug.count) else {
            throw AppError(.invalidInput, "The slug must be 3 to 40 characters long.")
        }
        guard slug.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }),
              let first = slug.unicodeScalars.first, ("a"..."z").contains(first), !slug.hasSuffix("-"),
              !slug.contains("--") else {
            throw AppError(.invalidInput,
                           "The slug may use a-z, 0-9 and single hyphens, must start with a letter and not end with a hyphen.")
        }
        guard !Self.reserved.contains(slug) else {
            throw AppError(.invalidInput, "The slug '\(slug)' is reserved.")
        }
        value = slug
    }
}
