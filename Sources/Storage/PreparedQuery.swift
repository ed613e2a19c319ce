internal import PostgresNIO

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

/// Bridges a `PreparedQuery` to PostgresNIO.
struct PreparedAdapter<Query: PreparedQuery>: PostgresPreparedStatement {
    typealias Row = Storage.Row
    static var sql: String { Query.sql }
    /// Named after its SQL. PostgresNIO's default, the type's name, is cut by PostgreSQL to 63
    /// bytes, and `Storage.PreparedAdapter<Module.Type.(unknown context at …)…` then names
    /// several statements at once ("prepared statement already exists").
    static var name: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in Query.sql.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "keel_" + String(hash, radix: 16)
    }
    let query: Query

    func makeBindings() throws -> PostgresBindings {
        var binds = PostgresBindings(capacity: query.arguments.count)
        for value in query.arguments { value.append(to: &binds) }
        return binds
    }

    func decodeRow(_ row: PostgresRow) throws -> Storage.Row { Storage.Row(row) }
}
