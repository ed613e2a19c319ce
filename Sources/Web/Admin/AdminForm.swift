import Foundation
import Hummingbird
import Kernel

/// A submitted `application/x-www-form-urlencoded` form. Browsers send nothing else from a
/// plain `<form method="post">`; anything else is refused before a field is read.
struct AdminForm: Sendable {
    static let maxBytes = 16 * 1024
    private let values: [String: String]

    init(_ request: Request) async throws {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/x-www-form-urlencoded" else {
            throw AppError(.unsupportedMediaType, "Forms must be sent as application/x-www-form-urlencoded.")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw AppError(.payloadTooLarge, "The form is larger than \(Self.maxBytes / 1024) KiB.")
        }
        self.init(encoded: String(buffer: body))
    }

    init(encoded: String) {
        var values: [String: String] = [:]
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]) else { continue }
            // The first occurrence wins: a field cannot be overridden by repeating it.
            if values[name] == nil { values[name] = parts.count > 1 ? Self.decode(parts[1]) ?? "" : "" }
        }
        self.values = values
    }

    subscript(_ name: String) -> String? { values[name] }

    /// Every field, for forms whose field names carry data (`line_3`).
    var fields: [String: String] { values }

    /// The field's value, or a validation error naming it.
    func required(_ name: String, _ label: String) throws -> String {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw AppError.validation([FieldError(field: name, code: "required", message: "\(label) is required.")])
        }
        return value
    }

    /// The record version an edit form carries.
    func version() throws -> Int {
        guard let text = values["version"], let version = Int(text), version > 0 else {
            throw AppError(.invalidInput, "The form is missing the record's version; reload the page and try again.")
        }
        return version
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

extension AppError.Code {
    static let unsupportedMediaType = Self("unsupported_media_type", kind: .invalidInput)
}
