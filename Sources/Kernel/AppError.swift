/// The one error type that crosses module boundaries. Modules throw it with a stable code;
/// only the HTTP edge turns it into a status and a problem document.
///
/// ```swift
/// throw AppError(.conflict, "That slug is taken.")
/// ```
public struct AppError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable code. Modules add their own in extensions of `Code`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public let kind: Kind
        public init(_ rawValue: String, kind: Kind) {
            self.rawValue = rawValue
            self.kind = kind
        }
        public var description: String { rawValue }
    }

    /// What sort of failure this is; the edge maps kinds to statuses (404, 409, 503, …).
    public enum Kind: Sendable, Hashable {
        case invalidInput, notFound, conflict, preconditionFailed, unauthenticated, forbidden
        /// Money is in the way: a declined card, a subscription blocked for an unpaid invoice (402).
        case paymentRequired
        case busy, unavailable, rateLimited, payloadTooLarge, methodNotAllowed, `internal`
    }

    /// A member added to the problem document beside the standard ones (`current_version`).
    public enum Extension: Sendable, Equatable {
        case int(Int)
        case string(String)
    }

    public let code: Code
    /// A sentence safe to show the caller: it never names another tenant's data.
    public let detail: String
    /// Diagnostics for the log only (SQL state, constraint, underlying error); never sent to clients.
    public let diagnostics: String?
    /// For validation failures: what is wrong with which field.
    public var fieldErrors: [FieldError] = []
    /// Extra members of the problem document, such as the current version on a 412.
    public var extensions: [String: Extension] = [:]
    /// For `.busy`, `.unavailable` and `.rateLimited`: when to try again.
    public var retryAfterSeconds: Int?

    public init(_ code: Code, _ detail: String, diagnostics: String? = nil) {
        self.code = code
        self.detail = detail
        self.diagnostics = diagnostics
    }

    /// A validation failure listing every field that is wrong.
    public static func validation(_ errors: [FieldError]) -> AppError {
        var error = AppError(.validationFailed, errors.count == 1 ? errors[0].message
                             : "\(errors.count) fields are invalid.")
        error.fieldErrors = errors
        return error
    }

    /// The record changed since the caller read it; carries the version it is at now.
    public static func versionMismatch(current: Int) -> AppError {
        var error = AppError(.versionMismatch,
                             "The record has changed since you read it (it is now at version \(current)); read it again and retry.")
        error.extensions["current_version"] = .int(current)
        return error
    }

    public var description: String {
        diagnostics.map { "\(code): \(detail) [\($0)]" } ?? "\(code): \(detail)"
    }
}

extension AppError.Code {
    public static let invalidInput = Self("invalid_input", kind: .invalidInput)
    public static let notFound = Self("not_found", kind: .notFound)
    public static let conflict = Self("conflict", kind: .conflict)
    public static let busy = Self("busy", kind: .busy)
    public static let databaseUnavailable = Self("database_unavailable", kind: .unavailable)
    public static let serializationFailure = Self("serialization_failure", kind: .busy)
    public static let internalError = Self("internal_error", kind: .internal)
    public static let validationFailed = Self("validation_failed", kind: .invalidInput)
    public static let versionMismatch = Self("version_mismatch", kind: .preconditionFailed)
    public static let rateLimited = Self("rate_limited", kind: .rateLimited)
}

/// One invalid field: its path in the request (`owner.email`), a stable code and a message.
public struct FieldError: Error, Sendable, Equatable, Codable {
    public let field: String
    public let code: String
    public let message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

extension AppError.Code {
    /// The server's database role could bypass row-level security.
    public static let forbiddenRole = Self("forbidden_database_role", kind: .internal)
}

extension AppError.Code {
    /// A template failed to compile at start-up.
    public static let templatesInvalid = Self("templates_invalid", kind: .internal)
    /// A setting is missing, misspelt or unsafe; the server does not start.
    public static let configurationInvalid = Self("configuration_invalid", kind: .internal)
}
