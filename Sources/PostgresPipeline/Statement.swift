/// One statement of a pipeline: its SQL, its parameters (binary, typed), and whether it runs as
/// a prepared statement. Results always come back in binary format.
public struct Statement: Sendable {
    public var sql: String
    public var parameters: [Parameter]
    /// The name it is prepared under, once per connection, the first time a connection runs it
    /// (the Parse travels in the same pipeline); `nil` sends it unnamed, parsed every time.
    public var name: String?

    public init(_ sql: String, parameters: [Parameter] = [], name: String? = nil) {
        self.sql = sql
        self.parameters = parameters
        self.name = name
    }
}

/// A parameter in PostgreSQL's binary format, with its type's OID (`nil` bytes: SQL NULL).
public struct Parameter: Sendable, Equatable {
    public var type: UInt32
    public var bytes: [UInt8]?

    public init(type: UInt32, bytes: [UInt8]?) {
        self.type = type
        self.bytes = bytes
    }
}

/// The OIDs of the built-in types Keel binds and reads (`pg_type`).
public enum TypeOID {
    public static let bool: UInt32 = 16, bytea: UInt32 = 17, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23
    public static let text: UInt32 = 25, oid: UInt32 = 26, float4: UInt32 = 700, float8: UInt32 = 701
    public static let date: UInt32 = 1082, timestamp: UInt32 = 1114, timestamptz: UInt32 = 1184, numeric: UInt32 = 1700, uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802, textArray: UInt32 = 1009, int8Array: UInt32 = 1016, uuidArray: UInt32 = 2951
    /// Unknown (a NULL whose type the server infers).
    public static let unspecified: UInt32 = 0
}
