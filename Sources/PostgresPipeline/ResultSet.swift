internal import CLibPQ

/// A statement's result, copied out of libpq's: column names and types, and every cell's bytes
/// (binary format) in one buffer.
public struct ResultSet: Sendable {
    public let columns: [String]
    /// Each column name's length in UTF-8 bytes: `column(_:)` compares names only where the
    /// lengths agree.
    private let nameLengths: [Int]
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
        nameLengths = columns.map(\.utf8.count)
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

    /// The index of the column named `name`, if the result has one.
    /// Most names differ in length, and a length is cheap to read; a full string comparison per
    /// column was a sixth of decoding a page of orders.
    public func column(_ name: String) -> Int? {
        let length = name.utf8.count
        for index in columns.indices where nameLengths[index] == length && columns[index] == name { return index }
        return nil
    }

    /// A cell's bytes (binary format), or `nil` for SQL NULL.
    public func value(row: Int, column: Int) -> ArraySlice<UInt8>? {
        let cell = cells[row * columns.count + column]
        guard cell.length >= 0 else { return nil }
        return bytes[Int(cell.start)..<Int(cell.start + cell.length)]
    }
}
