import Foundation

/// Why a staff member changes something in a tenant: required for every such change (in any
/// module) and recorded with it in the audit log. 3 to 500 characters, not blank, no control
/// characters but line breaks and tabs.
public struct StaffReason: Equatable, Sendable {
    public let value: String

    public init(_ raw: String) throws {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let scalars = trimmed.unicodeScalars
        guard (3...500).contains(scalars.count),
              !scalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t" }) else {
            throw AppError.validation([FieldError(field: "reason", code: "invalid_reason",
                                                  message: "Give a reason of 3 to 500 characters.")])
        }
        value = trimmed
    }
}
