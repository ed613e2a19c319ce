import Foundation
import Kernel

/// A tenant's display name: 1–100 characters, no control characters, trimmed.
struct TenantName: Equatable {
    let value: String

    init(_ raw: String) throws {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else {
            throw AppError(.invalidInput, "The name must be 1 to 100 characters long.")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AppError(.invalidInput, "The name must not contain control characters.")
        }
        value = name
    }
}
