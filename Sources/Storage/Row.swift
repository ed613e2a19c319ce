public import Foundation
public import Kernel
internal import PostgresPipeline

/// One result row. Columns are read by name, with the Swift type saying how to decode:
///
/// ```swift
/// let email: String = try row.decode("email")
/// let deletedAt: Date? = try row.decode("deleted_at")
/// ```
public struct Row: Sendable {
    let result: ResultSet
    let index: Int

    init(_ result: ResultSet, _ index: Int) {
        self.result = result
        self.index = index
    }

    /// The rows of a statement's result.
    static func all(_ result: ResultSet) -> [Row] { (0..<result.rowCount).map { Row(result, $0) } }

    // The decoders are inlinable so that a caller's `decode("total", as: Int?.self)` is
    // specialised where it is written: unspecialised, every cell looked up `Optional`'s
    // conformance and metadata at run time, about a third of decoding a page of orders.
    @inlinable
    public func decode<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try T(cell: cell(column))
    }

    /// The column's cell in this row.
    @usableFromInline
    func cell(_ column: String) throws -> SQLCell {
        guard let position = result.column(column) else {
            throw AppError(.internalError, "A query did not return an expected column.", diagnostics: "missing column \(column)")
        }
        return SQLCell(column: column, type: result.types[position], bytes: result.value(row: index, column: position))
    }

    /// A typed identifier stored as `uuid`.
    @inlinable
    public func decode<ID: Identifier>(_ column: String, as type: ID.Type = ID.self) throws -> ID {
        ID(rawValue: try decode(column, as: UUID.self))
    }

    /// A value of a closed set stored as text (a role, a status). A value the code does not
    /// know fails loudly: defaulting would turn an unknown role into some known one.
    @inlinable
    public func decode<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let raw = try decode(column, as: String.self)
        guard let value = Value(rawValue: raw) else { throw Self.unknown(raw, in: column, as: Value.self) }
        return value
    }

    @usableFromInline
    static func unknown<Value>(_ raw: String, in column: String, as type: Value.Type) -> AppError {
        AppError(.internalError, "A stored value could not be read.",
                 diagnostics: "column \(column) holds '\(raw)', which is not a \(Value.self)")
    }

    /// A nullable value of a closed set stored as text.
    @inlinable
    public func decode<Value: RawRepresentable>(_ column: String, as type: Value?.Type = Value?.self) throws -> Value?
    where Value.RawValue == String {
        guard try decode(column, as: String?.self) != nil else { return nil }
        return try decode(column, as: Value.self)
    }

    /// A nullable typed identifier.
    @inlinable
    public func decode<ID: Identifier>(_ column: String, as type: ID?.Type = ID?.self) throws -> ID? {
        try decode(column, as: UUID?.self).map(ID.init(rawValue:))
    }
}

extension Row {
    /// A `bytea` column; `nil` when SQL `NULL`.
    public func bytes(_ column: String) throws -> [UInt8]? {
        try decode(column, as: Raw?.self)?.bytes
    }

    private struct Raw: SQLDecodable {
        let bytes: [UInt8]
        init(cell: SQLCell) throws {
            guard cell.type == TypeOID.bytea, let bytes = cell.bytes else { throw cell.mismatch(as: [UInt8].self) }
            self.bytes = Array(bytes)
        }
    }
}

/// One column of a row, in PostgreSQL's binary format, handed to `SQLDecodable` initialisers.
public struct SQLCell: Sendable {
    let column: String
    /// The column's type OID.
    let type: UInt32
    /// The value's bytes; `nil` for SQL `NULL`.
    let bytes: ArraySlice<UInt8>?
    @usableFromInline var isNull: Bool { bytes == nil }

    func mismatch<T>(as swiftType: T.Type) -> AppError {
        AppError(.internalError, "A stored value could not be read.",
                 diagnostics: "decoding \(column) (type oid \(type)\(bytes == nil ? ", NULL" : "")) as \(T.self)")
    }

    /// The bytes of a non-NULL value whose type is one of `types` (a few, so a list: a set
    /// made for every cell was a tenth of decoding a page of orders).
    func value<T>(_ types: [UInt32], as swiftType: T.Type) throws -> ArraySlice<UInt8> {
        guard let bytes, types.contains(type) else { throw mismatch(as: T.self) }
        return bytes
    }

    static let integers = [TypeOID.int8, TypeOID.int4, TypeOID.int2]
    static let int32s = [TypeOID.int4, TypeOID.int2]
    static let bools = [TypeOID.bool]
    static let doubles = [TypeOID.float8, TypeOID.float4, TypeOID.numeric]
    static let uuids = [TypeOID.uuid]
    static let dates = [TypeOID.timestamptz, TypeOID.timestamp, TypeOID.date]
}

/// A Swift type that can be read from a result column.
public protocol SQLDecodable: Sendable {
    init(cell: SQLCell) throws
}

extension String: SQLDecodable {
    public init(cell: SQLCell) throws {
        guard let bytes = cell.bytes else { throw cell.mismatch(as: String.self) }
        switch cell.type {
        case TypeOID.uuid:
            guard let uuid = Binary.uuid(bytes) else { throw cell.mismatch(as: String.self) }
            self = uuid.lowercasedString
        case TypeOID.jsonb:
            self = String(decoding: bytes.dropFirst(), as: UTF8.self)  // after the version byte
        // Built-in types with a binary form of their own are not text. Everything else is:
        // text, varchar, char, name, and types whose binary value is their text (enums,
        // domains over text, citext).
        case TypeOID.bool, TypeOID.bytea, TypeOID.int8, TypeOID.int2, TypeOID.int4, TypeOID.oid, TypeOID.float4, TypeOID.float8,
             TypeOID.timestamp, TypeOID.timestamptz, TypeOID.numeric, TypeOID.uuid, TypeOID.date, TypeOID.textArray:
            throw cell.mismatch(as: String.self)
        default:
            self = String(decoding: bytes, as: UTF8.self)
        }
    }
}
extension Int: SQLDecodable {
    public init(cell: SQLCell) throws {
        let bytes = try cell.value(SQLCell.integers, as: Int.self)
        switch bytes.count {
        case 8: self = Int(Binary.integer(bytes, as: Int64.self)!)
        case 4: self = Int(Binary.integer(bytes, as: Int32.self)!)
        default: self = Int(Binary.integer(bytes, as: Int16.self) ?? 0)
        }
    }
}
extension Int32: SQLDecodable {
    public init(cell: SQLCell) throws {
        let bytes = try cell.value(SQLCell.int32s, as: Int32.self)
        self = bytes.count == 4 ? Binary.integer(bytes, as: Int32.self)! : Int32(Binary.integer(bytes, as: Int16.self) ?? 0)
    }
}
extension Bool: SQLDecodable {
    public init(cell: SQLCell) throws {
        let bytes = try cell.value(SQLCell.bools, as: Bool.self)
        self = bytes.first == 1
    }
}
extension Double: SQLDecodable {
    public init(cell: SQLCell) throws {
        let bytes = try cell.value(SQLCell.doubles, as: Double.self)
        switch cell.type {
        case TypeOID.float8: self = Double(bitPattern: Binary.integer(bytes, as: UInt64.self) ?? 0)
        case TypeOID.float4: self = Double(Float(bitPattern: Binary.integer(bytes, as: UInt32.self) ?? 0))
        default:
            guard let value = Binary.numeric(bytes) else { throw cell.mismatch(as: Double.self) }
            self = value
        }
    }
}
extension UUID: SQLDecodable {
    public init(cell: SQLCell) throws {
        guard let uuid = Binary.uuid(try cell.value(SQLCell.uuids, as: UUID.self)) else { throw cell.mismatch(as: UUID.self) }
        self = uuid
    }
}
extension Date: SQLDecodable {
    public init(cell: SQLCell) throws {
        let bytes = try cell.value(SQLCell.dates, as: Date.self)
        if cell.type == TypeOID.date {  // date: days since 2000-01-01
            self = Binary.epoch.addingTimeInterval(Double(Binary.integer(bytes, as: Int32.self) ?? 0) * 86_400)
        } else {
            self = Date(timeInterval: Double(Binary.integer(bytes, as: Int64.self) ?? 0) / 1_000_000, since: Binary.epoch)
        }
    }
}
extension Array: SQLDecodable where Element == String {
    public init(cell: SQLCell) throws { self = try cell.arrayElements { String(decoding: $0, as: UTF8.self) } }
}

extension SQLCell {
    /// The elements of a one-dimensional array without NULLs (`Binary.arrayElements`), read
    /// here rather than through a generic decoder, which cost more than the rest of a page of
    /// orders (docs/benchmarks.md, S5).
    func arrayElements<T>(_ element: (ArraySlice<UInt8>) -> T?) throws -> [T] {
        guard let bytes, let elements = Binary.arrayElements(bytes) else {
            throw AppError(.internalError, "A stored value could not be read.",
                           diagnostics: "column \(column) is not a one-dimensional array without NULLs")
        }
        return try elements.map { value in
            guard let decoded = element(value) else { throw mismatch(as: T.self) }
            return decoded
        }
    }
}
extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    @inlinable
    public init(cell: SQLCell) throws { self = cell.isNull ? nil : try Wrapped(cell: cell) }
}

// Money as the modules store it: minor units in a `bigint`, the ISO 4217 code in its own text
// column, and a price list as a `text[]` of `CODE:minor units` (one per currency).
extension Row {
    /// An ISO 4217 code stored as text; an unknown one fails loudly.
    public func currency(_ column: String) throws -> Currency {
        let code: String = try decode(column)
        guard let currency = Currency(code: code) else {
            throw AppError(.internalError, "A stored value could not be read.", diagnostics: "\(column) holds '\(code)', no ISO 4217 currency")
        }
        return currency
    }

    /// Minor units stored as `bigint`, in `currency`.
    public func money(_ column: String, _ currency: Currency) throws -> Money {
        Money(minorUnits: Int64(try decode(column, as: Int.self)), currency: currency)
    }

    /// A price per currency, aggregated as `array_agg(currency || ':' || amount)`.
    public func prices(_ column: String) throws -> [Money] {
        try decode(column, as: [String].self).map { entry in
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let currency = Currency(code: String(parts[0])), let amount = Int64(parts[1]) else {
                throw AppError(.internalError, "A stored price could not be read.", diagnostics: "\(column) holds '\(entry)'")
            }
            return Money(minorUnits: amount, currency: currency)
        }
    }
}
