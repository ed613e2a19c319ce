import Foundation
import Kernel

/// The rules for the fields of a user and a tenant, applied in the module so that no caller
/// can skip them. They match the patterns in openapi.yaml, which the HTTP edge checks first.
enum UserFields {
    /// 3–254 characters with one `@`, no whitespace; kept as given, compared case-insensitively.
    static func email(_ raw: String, field: String = "email") -> Result<String, FieldError> {
        let scalars = raw.unicodeScalars
        guard (3...254).contains(scalars.count) else {
            return .failure(FieldError(field: field, code: "invalid_length", message: "The email address must be 3 to 254 characters long."))
        }
        let parts = raw.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !scalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            return .failure(FieldError(field: field, code: "invalid_format", message: "The email address must look like name@example.com."))
        }
        return .success(raw)
    }

    /// 1–100 characters, not all blank, no control characters; trimmed.
    static func name(_ raw: String, field: String) -> Result<String, FieldError> {
        let scalars = raw.unicodeScalars
        guard (1...100).contains(scalars.count) else {
            return .failure(FieldError(field: field, code: "invalid_length", message: "The name must be 1 to 100 characters long."))
        }
        guard !scalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return .failure(FieldError(field: field, code: "invalid_characters", message: "The name must not contain control characters."))
        }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            return .failure(FieldError(field: field, code: "blank", message: "The name must not be blank."))
        }
        return .success(trimmed)
    }

    /// The checked value, or a validation error naming the field.
    static func valid(_ result: Result<String, FieldError>) throws -> String {
        switch result {
        case .success(let value): return value
        case .failure(let error): throw AppError.validation([error])
        }
    }

    /// Collects the failures of several checks into one validation error.
    static func collect(_ results: [Result<String, FieldError>]) throws -> [String] {
        let errors = results.compactMap { if case .failure(let e) = $0 { e } else { nil } }
        if !errors.isEmpty { throw AppError.validation(errors) }
        return results.compactMap { try? $0.get() }
    }
}
