/// An expression inside `{{ … }}` or a tag: a path, a literal, filters, comparisons and
/// `not` / `and` / `or`. Parsed once at start-up.
indirect enum Expression: Sendable {
    case literal(TemplateValue)
    case path([String], offset: Int)
    case filter(Expression, Filter, [Expression], offset: Int)
    case not(Expression)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case compare(Expression, Comparison, Expression)

    enum Comparison: String, Sendable { case equal = "==", notEqual = "!=", less = "<", greater = ">", lessOrEqual = "<=", greaterOrEqual = ">=" }

    /// The last filter applied at the top, if any (the `json` check for script blocks).
    var outermostFilter: Filter? {
        if case .filter(_, let filter, _, _) = self { return filter }
        return nil
    }
}

/// Parses expressions. Grammar (lowest precedence first):
///
///     expr     := and ("or" and)*
///     and      := not ("and" not)*
///     not      := "not" not | compare
///     compare  := filtered (("==" | "!=" | "<" | ">" | "<=" | ">=") filtered)?
///     filtered := primary ("|" name (":" primary ("," primary)*)?)*
///     primary  := string | integer | true | false | nil | path | "(" expr ")"
struct ExpressionParser {
    enum Token: Equatable {
        case name(String), string(String), integer(Int), symbol(String), end
    }

    let source: SourceText
    private var tokens: [(token: Token, offset: Int)] = []
    private var index = 0
    /// Operators, filters and parentheses so far: bounds the depth of the tree (and of the
    /// recursion that parses, evaluates and frees it), whatever the input.
    private var complexity = 0
    static let maximumComplexity = 64

    mutating func grow() throws(TemplateError) {
        complexity += 1
        guard complexity <= Self.maximumComplexity else {
            throw source.error(.tooDeep, at: offset, "This expression has more than \(Self.maximumComplexity) operators, filters and parentheses.",
                               hint: "Compute the value in Swift and pass it in the model.")
        }
    }

    init(_ bytes: ArraySlice<UInt8>, source: SourceText) throws(TemplateError) {
        self.source = source
        self.tokens = try Self.tokenize(bytes, source: source)
    }

    var current: Token { tokens[index].token }
    var offset: Int { tokens[index].offset }
    var isAtEnd: Bool { current == .end }

    mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    mutating func take(_ symbol: String) -> Bool {
        if current == .symbol(symbol) || current == .name(symbol) { advance(); return true }
        return false
    }

    mutating func expect(_ symbol: String, _ what: String) throws(TemplateError) {
        guard take(symbol) else { throw failure("Expected \(what) here.", hint: "Write `\(symbol)`.") }
    }

    mutating func name(_ what: String) throws(TemplateError) -> String {
        guard case .name(let name) = current, !Self.keywords.contains(name) else {
            throw failure("Expected \(what) here.", hint: "Names are letters, digits and _, starting with a letter.")
        }
        advance()
        return name
    }

    mutating func string(_ what: String) throws(TemplateError) -> String {
        guard case .string(let value) = current else {
            throw failure("Expected \(what) (a quoted string) here.", hint: "Quote it: \"layouts/admin\".")
        }
        advance()
        return value
    }

    func failure(_ message: String, hint: String) -> TemplateError {
        source.error(.badExpression, at: offset, message, hint: hint)
    }

    mutating func expectEnd() throws(TemplateError) {
        guard isAtEnd else { throw failure("Unexpected text after the expression.", hint: "Remove it, or join with `and` / `or`.") }
    }

    static let keywords: Set<String> = ["and", "or", "not", "true", "false", "nil", "in", "with"]

    mutating func parseExpression() throws(TemplateError) -> Expression {
        var left = try parseAnd()
        while take("or") { try grow(); left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(TemplateError) -> Expression {
        var left = try parseNot()
        while take("and") { try grow(); left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(TemplateError) -> Expression {
        if take("not") { try grow(); return .not(try parseNot()) }
        let left = try parseFiltered()
        for comparison in [Expression.Comparison.equal, .notEqual, .lessOrEqual, .greaterOrEqual, .less, .greater]
            where take(comparison.rawValue) {
            return .compare(left, comparison, try parseFiltered())
        }
        return left
    }

    private mutating func parseFiltered() throws(TemplateError) -> Expression {
        var value = try parsePrimary()
        while take("|") {
            try grow()
            let at = offset
            guard case .name(let name) = current else {
                throw failure("Expected a filter name after `|`.", hint: "For example `| upper`.")
            }
            advance()
            var arguments: [Expression] = []
            if take(":") {
                repeat { arguments.append(try parsePrimary()) } while take(",")
            }
            let filter = try Filter.make(name, arguments: arguments, at: at, source: source)
            value = .filter(value, filter, arguments, offset: at)
        }
        return value
    }

    private mutating func parsePrimary() throws(TemplateError) -> Expression {
        let at = offset
        switch current {
        case .string(let s): advance(); return .literal(.string(s))
        case .integer(let n): advance(); return .literal(.int(n))
        case .name("true"): advance(); return .literal(.bool(true))
        case .name("false"): advance(); return .literal(.bool(false))
        case .name("nil"): advance(); return .literal(.null)
        case .symbol("("):
            try grow()
            advance()
            let inner = try parseExpression()
            try expect(")", "a closing parenthesis")
            return inner
        case .name(let first) where !Self.keywords.contains(first):
            advance()
            var path = [first]
            while take(".") { path.append(try name("a name after `.`")) }
            return .path(path, offset: at)
        case .end:
            throw failure("An expression is missing here.", hint: "Write a value, like `user.name`.")
        default:
            throw failure("This is not a value.", hint: "Values are names (user.name), strings, integers, true, false or nil.")
        }
    }

    private static func tokenize(_ b: ArraySlice<UInt8>, source: SourceText) throws(TemplateError) -> [(token: Token, offset: Int)] {
        var result: [(token: Token, offset: Int)] = []
        var i = b.startIndex
        func isLetter(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while i < b.endIndex {
            let c = b[i]
            if Lexer.isSpace(c) { i += 1; continue }
            let start = i
            if isLetter(c) {
                while i < b.endIndex && (isLetter(b[i]) || isDigit(b[i])) { i += 1 }
                result.append((.name(String(decoding: b[start..<i], as: UTF8.self)), start))
            } else if isDigit(c) || (c == UInt8(ascii: "-") && i + 1 < b.endIndex && isDigit(b[i + 1])) {
                i += 1
                while i < b.endIndex && isDigit(b[i]) { i += 1 }
                guard let n = Int(String(decoding: b[start..<i], as: UTF8.self)) else {
                    throw source.error(.badExpression, at: start, "This number is too large.", hint: "Integers fit in 64 bits.")
                }
                result.append((.integer(n), start))
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                i += 1
                var bytes: [UInt8] = []
                while i < b.endIndex && b[i] != c {
                    if b[i] == UInt8(ascii: "\\") && i + 1 < b.endIndex { i += 1 }
                    bytes.append(b[i])
                    i += 1
                }
                guard i < b.endIndex else {
                    throw source.error(.badExpression, at: start, "This string is never closed.", hint: "End it with the quote it started with.")
                }
                i += 1
                result.append((.string(String(decoding: bytes, as: UTF8.self)), start))
            } else {
                let two = i + 1 < b.endIndex ? String(decoding: b[i...(i + 1)], as: UTF8.self) : ""
                if ["==", "!=", "<=", ">="].contains(two) {
                    result.append((.symbol(two), start))
                    i += 2
                } else if "|:,().<>=".utf8.contains(c) {
                    result.append((.symbol(String(UnicodeScalar(c))), start))
                    i += 1
                } else {
                    throw source.error(.badExpression, at: start, "Unexpected character `\(String(decoding: [c], as: UTF8.self))`.",
                                       hint: "Expressions use names, strings, integers, `.`, `|`, `:`, `,`, comparisons and parentheses.")
                }
            }
        }
        result.append((.end, b.endIndex))
        return result
    }
}
