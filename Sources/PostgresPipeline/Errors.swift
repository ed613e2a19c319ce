internal import CLibPQ

/// An error the server reported for a statement, with its fields (SQLSTATE, message, …).
public struct PostgresServerError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE code (`23505`: unique violation).
    public let sqlState: String
    public let severity: String
    public let message: String
    public let detail: String?
    public let hint: String?
    public let constraint: String?
    public let table: String?

    init(_ result: OpaquePointer) {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        sqlState = field(Int32(UInt8(ascii: "C"))) ?? "XX000"
        severity = field(Int32(UInt8(ascii: "V"))) ?? "ERROR"
        message = field(Int32(UInt8(ascii: "M"))) ?? String(cString: PQresultErrorMessage(result))
        detail = field(Int32(UInt8(ascii: "D")))
        hint = field(Int32(UInt8(ascii: "H")))
        constraint = field(Int32(UInt8(ascii: "n")))
        table = field(Int32(UInt8(ascii: "t")))
    }

    init(sqlState: String, severity: String, message: String, detail: String?, hint: String?, constraint: String?,
         table: String?) {
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
    }

    public init(sqlState: String, message: String) {
        self.sqlState = sqlState
        self.severity = "ERROR"
        self.message = message
        detail = nil
        hint = nil
        constraint = nil
        table = nil
    }

    /// The code and message; never the detail, which can quote another tenant's values.
    public var description: String { "\(severity) \(sqlState): \(message)" + (constraint.map { " (constraint \($0))" } ?? "") }
}

/// The connection could not be made, or closed (by the server or by us) with work outstanding.
public struct PostgresConnectionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "connection: \(message)" }
}
