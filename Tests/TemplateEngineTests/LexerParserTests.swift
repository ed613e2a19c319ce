@testable import TemplateEngine
import Testing

@Suite("Templates: lexer and parser")
struct LexerParserTests {
    func tokens(_ text: String) throws -> [(Lexer.Kind, String)] {
        try Lexer(source: SourceText(name: "t", text: text)).tokens().map { ($0.kind, String(decoding: $0.bytes, as: UTF8.self)) }
    }

    @Test("text, outputs, tags and comments are split; inner source is trimmed")
    func splits() throws {
        let result = try tokens("a {{ x }} b {% if y %}c{# gone #}{% endif %}")
        #expect(result.map(\.0) == [.text, .output, .text, .tag, .text, .tag])
        #expect(result.map(\.1) == ["a ", "x", " b ", "if y", "c", "endif"])
    }

    @Test("a lone brace is text; `{` followed by anything else is text")
    func loneBraces() throws {
        #expect(try tokens("a { b } {x} }}").map(\.1) == ["a { b } {x} }}"])
    }

    @Test("`-` trims whitespace on its side only")
    func trimming() throws {
        #expect(try tokens("a \n {{- x -}} \n b").map(\.1) == ["a", "x", "b"])
        #expect(try tokens("a  {{ x -}}  b").map(\.1) == ["a  ", "x", "b"])
        #expect(try tokens("a  {%- if x %}  b").map(\.1) == ["a", "if x", "  b"])
    }

    @Test("byte offsets map to 1-based lines and columns, counting characters")
    func locations() {
        let source = SourceText(name: "t", text: "ab\nçd{{ x }}")
        #expect(source.location(0) == SourceLocation(template: "t", line: 1, column: 1))
        #expect(source.location(3) == SourceLocation(template: "t", line: 2, column: 1))
        #expect(source.location(6) == SourceLocation(template: "t", line: 2, column: 3))
    }

    func parse(_ text: String) throws -> Expression {
        var parser = try ExpressionParser(Array(text.utf8)[...], source: SourceText(name: "t", text: text))
        let expression = try parser.parseExpression()
        try parser.expectEnd()
        return expression
    }

    func describe(_ e: Expression) -> String {
        switch e {
        case .literal(let v): return v.text.isEmpty ? "nil" : v.text
        case .path(let p, _): return p.joined(separator: ".")
        case .filter(let v, let f, let args, _): return "(\(describe(v)) | \(f)\(args.isEmpty ? "" : ": " + args.map(describe).joined(separator: ",")))"
        case .not(let v): return "(not \(describe(v)))"
        case .and(let a, let b): return "(\(describe(a)) and \(describe(b)))"
        case .or(let a, let b): return "(\(describe(a)) or \(describe(b)))"
        case .compare(let a, let op, let b): return "(\(describe(a)) \(op.rawValue) \(describe(b)))"
        }
    }

    @Test("precedence: filters bind tightest, then comparisons, not, and, or")
    func precedence() throws {
        #expect(describe(try parse("a or b and not c")) == "(a or (b and (not c)))")
        #expect(describe(try parse("x.y | upper == \"A\" and n > 3")) == "(((x.y | upper) == A) and (n > 3))")
        #expect(describe(try parse("not (a or b)")) == "(not (a or b))")
        #expect(describe(try parse("n | pluralize: \"a\", \"b\"")) == "(n | pluralize: a,b)")
        #expect(describe(try parse("-5 <= m")) == "(-5 <= m)")
    }

    @Test("non-strict libraries render unknown names as nil")
    func nonStrict() throws {
        let library = try TemplateLibrary(sources: ["t.html": "[{{ missing }}][{{ user.nmae | default: \"?\" }}]"], strict: false)
        #expect(String(decoding: try library.render("t.html", value: ["user": [:]]), as: UTF8.self) == "[][?]")
    }
}
