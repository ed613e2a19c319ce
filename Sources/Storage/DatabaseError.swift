import Kernel
internal import PostgresPipeline

/// Turns driver errors into `AppError`s with stable codes, so no module ever sees the driver
/// and no client ever sees a constraint name from another tenant's row.
enum DatabaseError {
    /// SQLSTATEs after which re-running the whole transaction is the documented remedy.
    static let retryableStates: Set<String> = ["40001", "40P01"]

    static func sqlState(of error: any Error) -> String? {
        (error as? PostgresServerError)?.sqlState
    }

    static func isRetryable(_ error: any Error) -> Bool {
        sqlState(of: error).map(retryableStates.contains) ?? false
    }

    static func map(_ error: any Error) -> any Error {
        if error is AppError || error is CancellationError { return error }
        if let closed = error as? PostgresConnectionError { return unavailable(closed.description) }
        guard let server = error as? PostgresServerError else { return error }
        let diagnostics = server.description + (server.detail.map { " — \($0)" } ?? "")
        switch server.sqlState {
        case "23505":
            // The detail names the conflicting key (another tenant's slug, say): log it, never return it.
            return AppError(.conflict, "A record with the same unique value already exists.",
                            diagnostics: "unique violation on \(server.constraint ?? "?")")
        case "23503":
            return AppError(.conflict, "The record refers to, or is referred to by, another record.",
                            diagnostics: diagnostics)
        case "22021", "22P05", "22001":
            // Text PostgreSQL cannot store (a NUL byte, say) or that is too long for its column:
            // the caller's input, caught here if validation let it through.
            return AppError(.invalidInput, "A value contains characters that cannot be stored, or is too long.",
                            diagnostics: diagnostics)
        case "40001", "40P01":
            return AppError(.serializationFailure, "The database was too busy to finish this change; try again.",
                            diagnostics: diagnostics)
        case "42501" where server.message.contains("row-level security"):
            return AppError(.internalError, "The request was refused.",
                            diagnostics: "row-level security violation: \(diagnostics)")
        case let s where s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300":
            return unavailable(diagnostics)
        case "55P03", "57014":
            // lock_timeout or statement_timeout (Transaction.run sets both): the database is
            // busy with something else; the request may succeed if retried.
            return unavailable(diagnostics)
        default:
            return AppError(.internalError, "The database could not complete the request.", diagnostics: diagnostics)
        }
    }

    static func unavailable(_ diagnostics: String) -> AppError {
        AppError(.databaseUnavailable, "The database is unavailable; try again shortly.", diagnostics: diagnostics)
    }
}
