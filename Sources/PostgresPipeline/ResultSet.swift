internal import CLibPQ

/// A statement's result, copied out of libpq's: column names and types, and every cell's bytes
/// (binary format) in one buffer.
///
/// A class: every row of a result holds it, and a reference is one retain where a structure of
/// six arrays and strings was six (docs/benchmarks.md).
public final class ResultSet: Sendable {
    public let columns: [String]
    /// Each column name packed into integers: `column(_:)` compares those, not strings.
    private let keys: [ColumnKey]
    public let types: [UInt32]
    public let rowCount: Int
    /// The command tag (`INSERT 0 1`, `SELECT 3`, `BEGIN`).
    public let commandTag: String
    /// Rows affected (or returned) as the command tag says; 0 when it says nothing.
    public let affectedRows: Int
    private let bytes: [UInt8]
    /// Per cell, row by row: its start in `bytes` and its length (-1: NULL).
    private let cells: [(start: Int32, length: Int32)]

    init(_ result: OpaquePointer) {
        let rows = Int(PQntuples(result)), fields = Int(PQnfields(result))
        columns = (0..<fields).map { String(cString: PQfname(result, Int32($0))) }
        keys = columns.map(ColumnKey.init)
        types = (0..<fields).map { UInt32(PQftype(result, Int32($0))) }
        rowCount = rows
        commandTag = String(cString: PQcmdStatus(result))
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        // Two passes: every cell's place first, then the bytes copied into one buffer of the
        // right size (appended cell by cell, the buffer grew and was copied again and again).
        var cells: [(start: Int32, length: Int32)] = []
        cells.reserveCapacity(rows * fields)
        var total = 0
        for row in 0..<Int32(rows) {
            for field in 0..<Int32(fields) {
                if PQgetisnull(result, row, field) == 1 {
                    cells.append((Int32(total), -1))
                } else {
                    let length = Int(PQgetlength(result, row, field))
                    cells.append((Int32(total), Int32(length)))
                    total += length
                }
            }
        }
        bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            var index = 0
            for row in 0..<Int32(rows) {
                for field in 0..<Int32(fields) {
                    let cell = cells[index]
                    index += 1
                    guard cell.length > 0, let value = PQgetvalue(result, row, field), let base = buffer.baseAddress else { continue }
                    (base + Int(cell.start)).initialize(from: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: Int(cell.length))
                }
            }
            count = total
        }
        self.cells = cells
    }

    /// A result read off the wire (`WireSession`): `cells` locate each cell in `bytes`.
    init(columns: [String], types: [UInt32], rowCount: Int, commandTag: String, bytes: [UInt8],
         cells: [(start: Int32, length: Int32)]) {
        self.columns = columns
        keys = columns.map(ColumnKey.init)
        self.types = types
        self.rowCount = rowCount
        self.commandTag = commandTag
        affectedRows = Self.rows(inTag: commandTag)
        self.bytes = bytes
        self.cells = cells
    }

    /// What libpq's `PQcmdTuples` reads from a command tag: its last number, for the commands
    /// that count rows (`INSERT 0 3`, `UPDATE 2`, `SELECT 5`); 0 for the others (`BEGIN`).
    static func rows(inTag tag: String) -> Int {
        guard let first = tag.firstIndex(of: " "), let last = tag.lastIndex(of: " ") else { return 0 }
        switch tag[..<first] {
        case "INSERT", "UPDATE", "DELETE", "SELECT", "MERGE", "MOVE", "FETCH", "COPY": return Int(tag[tag.index(after: last)...]) ?? 0
        default: return 0
        }
    }

    /// The index of the column named `name`, if the result has one. Names are compared as
    /// integers (their length and first 16 bytes), and as strings only beyond 16 bytes: string
    /// comparisons, many of names of equal length, were a fifth of decoding a page of orders.
    public func column(_ name: String) -> Int? {
        let key = ColumnKey(name)
        return keys.withUnsafeBufferPointer { keys in
            for index in keys.indices where keys[index] == key && (key.length <= 16 || columns[index] == name) { return index }
            return nil
        }
    }

    /// A cell's bytes (binary format), or `nil` for SQL NULL.
    public func value(row: Int, column: Int) -> ArraySlice<UInt8>? {
        let cell = cells[row * columns.count + column]
        guard cell.length >= 0 else { return nil }
        return bytes[Int(cell.start)..<Int(cell.start + cell.length)]
    }
}

/// A column name's length and its first 16 UTF-8 bytes, as integers.
struct ColumnKey: Equatable {
    let length: Int
    let head: UInt64
    let tail: UInt64

    init(_ name: String) {
        var name = name
        (length, head, tail) = name.withUTF8 { bytes in
            var packed: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &packed) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(16))) }
            return (bytes.count, packed.0, packed.1)
        }
    }
}
