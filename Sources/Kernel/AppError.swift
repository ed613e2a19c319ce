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
        case busy, unavailable, `internal`
    }

    public let code: Code
    /// A sentence safe to show the caller: it never names another tenant's data.
    public let detail: String
    /// Diagnostics for the log only (SQL state, constraint, underlying error); never sent to clients.
    public let diagnostics: String?

    public init(_ code: Code, _ detail: String, diagnostics: String? = nil) {
        self.code = code
        self.detail = detail
        self.diagnostics = diagnostics
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
}

extension AppError.Code {
    /// The server's database role could bypass row-level security.
    public static let forbiddenRole = Self("forbidden_database_role", kind: .internal)
}

extension AppError.Code {
    /// A template failed to compile at start-up.
    public static let templatesInvalid = Self("templates_invalid", kind: .internal)
}
