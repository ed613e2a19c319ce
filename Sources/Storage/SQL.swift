import Foundation
public import Kernel

/// A SQL statement whose interpolated values are always sent as bind parameters.
///
/// ```swift
/// let rows = try await tx.query("select id, email from accounts.users where id = \(userID)")
/// ```
///
/// There is no interpolation that splices text. Identifiers or fragments that cannot be
/// parameters (a column chosen from a fixed list, say) go through the visibly dangerous
/// `unsafeRaw:` spelling, which must never carry request input.
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String
    private(set) var values: [SQLValue]

    public init(stringLiteral value: String) {
        self.text = value
        self.values = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.text = stringInterpolation.text
        self.values = stringInterpolation.values
    }

    /// Raw SQL text with no parameters, for migrations and operator tooling. Never build `sql`
    /// from input.
    public init(unsafeSQL sql: String) {
        self.text = sql
        self.values = []
    }

    /// Storage's own fixed statements with their `$n` values (the scope statement).
    init(unsafeSQL sql: String, binding values: [SQLValue]) {
        self.text = sql
        self.values = values
    }

    /// The statement text with `$n` placeholders; values are not shown, so it is safe to log.
    public var description: String { text }

    /// Joins two fragments, renumbering the right-hand side's placeholders.
    public static func + (lhs: SQL, rhs: SQL) -> SQL {
        var joined = StringInterpolation(literalCapacity: 0, interpolationCount: 0)
        joined.appendInterpolation(lhs)
        joined.appendInterpolation(rhs)
        return SQL(stringInterpolation: joined)
    }


    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var text = ""
        var values: [SQLValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 3)
            values.reserveCapacity(interpolationCount)
        }

        /// Whether the text so far ends inside a '…' literal, where a `$n` would be plain text.
        private var insideQuotes = false

        public mutating func appendLiteral(_ literal: String) {
            text += literal
            for c in literal.utf8 where c == UInt8(ascii: "'") { insideQuotes.toggle() }
        }

        /// A value, sent as a bind parameter (`$n`).
        public mutating func appendInterpolation(_ value: some SQLBindable) {
            // `'… \(x) …'` would put the text "$1" in the literal and bind nothing there.
            assert(!insideQuotes, "SQL interpolation inside a quoted literal: bind the whole string instead")
            values.append(value.sqlValue)
            text += "$\(values.count)"
        }

        /// A nullable value: `nil` binds SQL `NULL`.
        public mutating func appendInterpolation(_ value: (some SQLBindable)?) {
            assert(!insideQuotes, "SQL interpolation inside a quoted literal: bind the whole string instead")
            values.append(value?.sqlValue ?? .null)
            text += "$\(values.count)"
        }

        /// A typed identifier, bound as `uuid`.
        public mutating func appendInterpolation(_ id: some Identifier) {
            appendInterpolation(id.rawValue)
        }

        /// A nullable typed identifier.
        public mutating func appendInterpolation(_ id: (some Identifier)?) {
            appendInterpolation(id?.rawValue)
        }

        /// Another `SQL` fragment; its placeholders are renumbered and its values stay bound.
        public mutating func appendInterpolation(_ fragment: SQL) {
            text += values.isEmpty ? fragment.text : Self.renumber(fragment.text, by: values.count)
            values += fragment.values
        }

        /// Raw text spliced into the statement. Only for identifiers from a fixed list in code;
        /// never for anything that came from a request.
        public mutating func appendInterpolation(unsafeRaw text: String) { self.text += text }

        /// Shifts `$n` placeholders by `offset`, leaving quoted text ('…', "…") alone.
        private static func renumber(_ sql: String, by offset: Int) -> String {
            var out = ""
            var scalars = Array(sql.unicodeScalars)[...]
            var quote: Unicode.Scalar?
            while let c = scalars.popFirst() {
                out.unicodeScalars.append(c)
                if let open = quote {
                    if c == open { quote = nil }
                    continue
                }
                if c == "'" || c == "\"" { quote = c; continue }
                guard c == "$", let first = scalars.first, ("0"..."9").contains(first) else { continue }
                let digits = scalars.prefix { ("0"..."9").contains($0) }
                scalars = scalars.dropFirst(digits.count)
                out += String(Int(String(String.UnicodeScalarView(digits)))! + offset)
            }
            return out
        }
    }
}

extension SQL {
    /// A `like` pattern for values that start with `text`; its `%`, `_` and `\` match only
    /// themselves.
    public static func likePattern(prefix text: String) -> String { escapeLike(text) + "%" }

    /// A `like` pattern for values that contain `text`.
    public static func likePattern(containing text: String) -> String { "%" + escapeLike(text) + "%" }

    private static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
