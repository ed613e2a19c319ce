/// A template problem, found at start-up (parse and check) or while rendering. Each carries a
/// stable code (listed in docs/templates.md), where it happened, the offending snippet and a
/// hint for the fix.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Parse and check (compile time)
        public static let unterminated = Code(rawValue: "T001")
        public static let unknownTag = Code(rawValue: "T002")
        public static let unexpectedTag = Code(rawValue: "T003")
        public static let unclosedTag = Code(rawValue: "T004")
        public static let badExpression = Code(rawValue: "T005")
        public static let unknownFilter = Code(rawValue: "T006")
        public static let badFilterArguments = Code(rawValue: "T007")
        public static let unknownTemplate = Code(rawValue: "T008")
        public static let unquotedAttribute = Code(rawValue: "T009")
        public static let outputInScriptOrStyle = Code(rawValue: "T010")
        public static let outputInsideTag = Code(rawValue: "T011")
        public static let contextMismatch = Code(rawValue: "T012")
        public static let badLayout = Code(rawValue: "T013")
        public static let duplicateBlock = Code(rawValue: "T014")
        public static let outputInComment = Code(rawValue: "T015")
        public static let cycle = Code(rawValue: "T016")
        public static let outputInScriptingAttribute = Code(rawValue: "T017")
        public static let tooDeep = Code(rawValue: "T018")
        // Rendering
        public static let unknownVariable = Code(rawValue: "R001")
        public static let wrongType = Code(rawValue: "R002")
        public static let notIterable = Code(rawValue: "R003")
        public static let unencodableModel = Code(rawValue: "R004")
        public static let unknownTemplateAtRender = Code(rawValue: "R005")
        public static let budgetExceeded = Code(rawValue: "R006")
    }

    public let code: Code
    public let message: String
    public let location: SourceLocation
    /// The line of the template where it happened, with a caret under the column.
    public let snippet: String
    public let hint: String

    public var description: String {
        "\(location): error \(code.rawValue): \(message)\n\(snippet)\nhint: \(hint)"
    }
}

/// `template:line:column`, 1-based.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public let template: String
    public let line: Int
    public let column: Int
    public var description: String { "\(template):\(line):\(column)" }
}

/// A template's text, kept to point into it from errors.
struct SourceText: Sendable {
    let name: String
    let bytes: [UInt8]
    /// Byte offset at which each line starts.
    let lineStarts: [Int]

    init(name: String, text: String) {
        self.name = name
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    func location(_ offset: Int) -> SourceLocation {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        let column = String(decoding: bytes[lineStarts[low]..<min(max(offset, lineStarts[low]), bytes.count)], as: UTF8.self).count + 1
        return SourceLocation(template: name, line: low + 1, column: column)
    }

    func snippet(_ offset: Int) -> String {
        let location = self.location(offset)
        let start = lineStarts[location.line - 1]
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let line = String(decoding: bytes[start..<end], as: UTF8.self)
        let shown = line.count > 120 ? String(line.prefix(120)) + "…" : line
        return "  | \(shown)\n  | \(String(repeating: " ", count: max(0, location.column - 1)))^"
    }

    func error(_ code: TemplateError.Code, at offset: Int, _ message: String, hint: String) -> TemplateError {
        TemplateError(code: code, message: message, location: location(offset), snippet: snippet(offset), hint: hint)
    }
}
