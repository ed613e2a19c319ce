public import Foundation
public import Kernel
internal import PostgresNIO
internal import NIOCore

/// One result row. Columns are read by name, with the Swift type saying how to decode:
///
/// ```swift
/// let email: String = try row.decode("email")
/// let deletedAt: Date? = try row.decode("deleted_at")
/// ```
public struct Row: Sendable {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    public func decode<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard row.contains(column) else {
            throw AppError(.internalError, "A query did not return an expected column.",
                           diagnostics: "missing column \(column)")
        }
        return try T(cell: SQLCell(cell: row[column]))
    }

    /// A typed identifier stored as `uuid`.
    public func decode<ID: Identifier>(_ column: String, as type: ID.Type = ID.self) throws -> ID {
        ID(rawValue: try decode(column, as: UUID.self))
    }

    /// A value of a closed set stored as text (a role, a status). A value the code does not
    /// know fails loudly: defaulting would turn an unknown role into some known one.
    public func decode<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let raw = try decode(column, as: String.self)
        guard let value = Value(rawValue: raw) else {
            throw AppError(.internalError, "A stored value could not be read.",
                           diagnostics: "column \(column) holds '\(raw)', which is not a \(Value.self)")
        }
        return value
    }

    /// A nullable value of a closed set stored as text.
    public func decode<Value: RawRepresentable>(_ column: String, as type: Value?.Type = Value?.self) throws -> Value?
    where Value.RawValue == String {
        guard try decode(column, as: String?.self) != nil else { return nil }
        return try decode(column, as: Value.self)
    }

    /// A nullable typed identifier.
    public func decode<ID: Identifier>(_ column: String, as type: ID?.Type = ID?.self) throws -> ID? {
        try decode(column, as: UUID?.self).map(ID.init(rawValue:))
    }
}

/// One column of a row, handed to `SQLDecodable` initialisers.
extension Row {
    /// A `bytea` column; `nil` when SQL `NULL`.
    public func bytes(_ column: String) throws -> [UInt8]? {
        let buffer: ByteBuffer? = try decode(column, as: Raw?.self)?.buffer
        return buffer.map { Array($0.readableBytesView) }
    }

    /// A `bigint[]` column (cast an aggregate of smaller integers: `array_agg(x)::int8[]`).
    public func ints(_ column: String) throws -> [Int] {
        try decode(column, as: Ints.self).values
    }

    private struct Ints: SQLDecodable {
        let values: [Int]
        init(cell: SQLCell) throws {
            values = try cell.arrayElements { element in
                element.readableBytes == 8 ? element.getInteger(at: element.readerIndex, as: Int64.self).map(Int.init) : nil
            }
        }
    }

    private struct Raw: SQLDecodable {
        let buffer: ByteBuffer
        init(cell: SQLCell) throws { buffer = try cell.decode(ByteBuffer.self) }
    }
}

public struct SQLCell: Sendable {
    let cell: PostgresCell
    var isNull: Bool { cell.bytes == nil }

    func decode<T: PostgresDecodable>(_ type: T.Type) throws -> T {
        do {
            return try cell.decode(T.self)
        } catch {
            throw AppError(.internalError, "A stored value could not be read.",
                           diagnostics: "decoding \(cell.columnName) as \(T.self): \(String(reflecting: error))")
        }
    }
}

/// A Swift type that can be read from a result column.
public protocol SQLDecodable: Sendable {
    init(cell: SQLCell) throws
}

extension String: SQLDecodable { public init(cell: SQLCell) throws { self = try cell.decode(String.self) } }
extension Int: SQLDecodable { public init(cell: SQLCell) throws { self = try cell.decode(Int.self) } }
extension Int32: SQLDecodable { public init(cell: SQLCell) throws { self = try cell.decode(Int32.self) } }
extension Bool: SQLDecodable { public init(cell: SQLCell) throws { self = try cell.decode(Bool.self) } }
extension Double: SQLDecodable { public init(cell: SQLCell) throws { self = try cell.decode(Double.self) } }
extension UUID: SQLDecodable { public init(cell: SQLCell) throws { self = try cell.decode(UUID.self) } }
extension Date: SQLDecodable { public init(cell: SQLCell) throws { self = try cell.decode(Date.self) } }
extension Array: SQLDecodable where Element == String {
    public init(cell: SQLCell) throws { self = try cell.arrayElements { String(buffer: $0) } }
}

extension SQLCell {
    /// The elements of a one-dimensional array without NULLs, in PostgreSQL's binary format
    /// (the number of dimensions, a NULLs flag, the element type; the length and lower bound;
    /// then each element as its length and bytes), read here rather than by PostgresNIO's
    /// generic decoder, which cost more than the rest of a page of orders (docs/benchmarks.md, S5).
    func arrayElements<T>(_ element: (ByteBuffer) -> T?) throws -> [T] {
        func malformed() -> AppError {
            AppError(.internalError, "A stored value could not be read.",
                     diagnostics: "column \(cell.columnName) is not a one-dimensional array without NULLs in binary format")
        }
        guard var buffer = cell.bytes, cell.format == .binary,
              let (dimensions, _, _) = buffer.readMultipleIntegers(endianness: .big, as: (Int32, Int32, UInt32).self)
        else { throw malformed() }
        if dimensions == 0 { return [] }
        guard dimensions == 1, let (count, _) = buffer.readMultipleIntegers(endianness: .big, as: (Int32, Int32).self), count >= 0
        else { throw malformed() }
        var values: [T] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let length = buffer.readInteger(endianness: .big, as: Int32.self), length >= 0,
                  let bytes = buffer.readSlice(length: Int(length)), let value = element(bytes)
            else { throw malformed() }
            values.append(value)
        }
        return values
    }
}
extension Optional: SQLDecodable where Wrapped: SQLDecodable {
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
