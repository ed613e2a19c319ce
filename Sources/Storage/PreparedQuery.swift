
/// A hot query, prepared once per connection and then executed by name.
///
/// ```swift
/// struct UserByID: PreparedQuery {
///     static let sql = "select id, email from accounts.users where tenant_id = $1 and id = $2"
///     let tenantID: TenantID, userID: UserID
///     var arguments: [SQLValue] { [tenantID.rawValue.sqlValue, userID.rawValue.sqlValue] }
///     func decode(_ row: Row) throws -> User { ... }
/// }
/// let users = try await tx.execute(UserByID(tenantID: t, userID: u))
/// ```
public protocol PreparedQuery: Sendable {
    associatedtype Output: Sendable
    /// Constant SQL with `$n` placeholders; never built from input.
    static var sql: String { get }
    var arguments: [SQLValue] { get }
    func decode(_ row: Row) throws -> Output
}
