/// Every row one tenant owns, as NDJSON lines, for the staff console's download (the operator's
/// `keel tenants export` writes the same file).
public protocol TenantExporter: Sendable {
    /// Streams the export to `write`, a line at a time (without its newline); returns the rows.
    /// `write` is `@concurrent`, like the `write` of Hummingbird's response writer, which the
    /// console's closure calls.
    func export(_ tenantID: TenantID, write: @concurrent (String) async throws -> Void) async throws -> Int
}
