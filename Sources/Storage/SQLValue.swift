public import Foundation
public import Kernel
internal import PostgresNIO

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

    /// The type PostgresNIO sends for this value (`append(to:)`), for a statement's `Parse`.
    var dataType: PostgresDataType {
        switch storage {
        case .null: .null
        case .text: String.psqlType
        case .int: Int.psqlType
        case .int32: Int32.psqlType
        case .bool: Bool.psqlType
        case .double: Double.psqlType
        case .uuid: UUID.psqlType
        case .timestamp: Date.psqlType
        case .bytes: ByteBuffer.psqlType
        case .jsonb: .jsonb
        case .textArray: [String].psqlType
        case .uuidArray: [UUID].psqlType
        case .intArray: [Int].psqlType
        }
    }

    func append(to binds: inout PostgresBindings) {
        switch storage {
        case .null: binds.appendNull()
        case .text(let v): binds.append(v)
        case .int(let v): binds.append(v)
        case .int32(let v): binds.append(v)
        case .bool(let v): binds.append(v)
        case .double(let v): binds.append(v)
        case .uuid(let v): binds.append(v)
        case .timestamp(let v): binds.append(v)
        case .bytes(let v): binds.append(ByteBuffer(bytes: v))
        case .jsonb(let v):
            // jsonb's binary format is a version byte followed by the text.
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt8(1))
            buffer.writeString(v)
            binds.append(PostgresData(type: .jsonb, formatCode: .binary, value: buffer))
        case .textArray(let v): binds.append(v)
        case .uuidArray(let v): binds.append(v)
        case .intArray(let v): binds.append(v)
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
