public import Foundation
public import Kernel
internal import PostgresPipeline

/// A value that can be bound as a SQL parameter. Storage conforms the base types; modules
/// conform their own value types by forwarding to one of them.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

/// One bound parameter. Its cases are internal: only Storage decides how values reach the wire.
public struct SQLValue: SQLBindable {
    public var sqlValue: SQLValue { self }

    enum Storage: Sendable {
        case null, text(String), int(Int), int32(Int32), bool(Bool), double(Double), uuid(UUID)
        case timestamp(Date), bytes([UInt8]), jsonb(String), textArray([String]), uuidArray([UUID]), intArray([Int])
    }
    let storage: Storage

    /// A JSON document bound as `jsonb`.
    public static func jsonb(_ json: String) -> SQLValue { SQLValue(storage: .jsonb(json)) }

    public static let null = SQLValue(storage: .null)

    /// Bytes bound as `bytea`.
    public static func bytes(_ bytes: [UInt8]) -> SQLValue { SQLValue(storage: .bytes(bytes)) }
    public static func uuids(_ ids: [UUID]) -> SQLValue { SQLValue(storage: .uuidArray(ids)) }
    /// Integers bound as `bigint[]`.
    public static func ints(_ values: [Int]) -> SQLValue { SQLValue(storage: .intArray(values)) }

    /// The value as a binary-format parameter with its type's OID (the driver sends every
    /// parameter typed and binary, so a statement is prepared for exactly these types).
    var parameter: Parameter {
        switch storage {
        case .null: Parameter(type: TypeOID.unspecified, bytes: nil)
        case .text(let v): Parameter(type: TypeOID.text, bytes: Array(v.utf8))
        case .int(let v): Parameter(type: TypeOID.int8, bytes: Binary.bigEndian(Int64(v)))
        case .int32(let v): Parameter(type: TypeOID.int4, bytes: Binary.bigEndian(v))
        case .bool(let v): Parameter(type: TypeOID.bool, bytes: [v ? 1 : 0])
        case .double(let v): Parameter(type: TypeOID.float8, bytes: Binary.bigEndian(v.bitPattern))
        case .uuid(let v): Parameter(type: TypeOID.uuid, bytes: Binary.bytes(v))
        case .timestamp(let v): Parameter(type: TypeOID.timestamptz, bytes: Binary.bigEndian(Binary.microseconds(v)))
        case .bytes(let v): Parameter(type: TypeOID.bytea, bytes: v)
        // jsonb's binary format is a version byte followed by the text.
        case .jsonb(let v): Parameter(type: TypeOID.jsonb, bytes: [1] + Array(v.utf8))
        case .textArray(let v): Parameter(type: TypeOID.textArray, bytes: Binary.array(of: TypeOID.text, v.map { Array($0.utf8) }))
        case .uuidArray(let v): Parameter(type: TypeOID.uuidArray, bytes: Binary.array(of: TypeOID.uuid, v.map(Binary.bytes)))
        case .intArray(let v): Parameter(type: TypeOID.int8Array, bytes: Binary.array(of: TypeOID.int8, v.map { Binary.bigEndian(Int64($0)) }))
        }
    }
}

extension String: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .text(self)) } }
extension Substring: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .text(String(self))) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .int(self)) } }
extension Int32: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .int32(self)) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .bool(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .double(self)) } }
extension UUID: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .uuid(self)) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { SQLValue(storage: .timestamp(self)) } }

extension Money {
    /// Minor units as `bigint`; the currency is stored in its own column (Billing's and
    /// Orders' tables alike).
    public var sql: Int { Int(minorUnits) }
}
extension Array: SQLBindable where Element == String {
    public var sqlValue: SQLValue { SQLValue(storage: .textArray(self)) }
}

extension Date {
    /// This instant as PostgreSQL keeps it: whole microseconds since 2000-01-01, cut toward
    /// zero as PostgresNIO writes them. A transaction's `now` is this, so a time it decides
    /// with (a preview's period start) equals the same time read back from a row it wrote.
    var asStored: Date {
        let start = Date(timeIntervalSince1970: 946_684_800)
        let microseconds = Int64(timeIntervalSince(start) * 1_000_000)
        return Date(timeInterval: Double(microseconds) / 1_000_000, since: start)
    }
}
