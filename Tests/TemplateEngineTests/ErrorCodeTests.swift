import TemplateEngine
import Testing

/// Every error code, provoked on purpose: each must name the template, line and column,
/// quote the line, and give a hint.
@Suite("Templates: every error code")
struct ErrorCodeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let code: String
        let sources: [String: String]
        let line: Int
        let column: Int
        var testDescription: String { code }
    }

    static let compileCases: [Case] = [
        Case(code: "T001", sources: ["main.html": "<p>\n  {{ user.name </p>"], line: 2, column: 3),
        Case(code: "T002", sources: ["main.html": "{% iff x %}{% endif %}"], line: 1, column: 4),
        Case(code: "T003", sources: ["main.html": "<p>{% endfor %}</p>"], line: 1, column: 7),
        Case(code: "T004", sources: ["main.html": "{% if x %}\nyes\n"], line: 3, column: 1),
        Case(code: "T005", sources: ["main.html": "{{ user. }}"], line: 1, column: 9),
        Case(code: "T006", sources: ["main.html": "{{ name | uper }}"], line: 1, column: 11),
        Case(code: "T007", sources: ["main.html": "{{ name | truncate }}"], line: 1, column: 11),
        Case(code: "T008", sources: ["main.html": "{% include \"partials/nope\" %}"], line: 1, column: 4),
        Case(code: "T009", sources: ["main.html": "<a class={{ c }}>x</a>"], line: 1, column: 13),
        Case(code: "T010", sources: ["main.html": "<script>var x = {{ x }};</script>"], line: 1, column: 20),
        Case(code: "T011", sources: ["main.html": "<div {{ attrs }}>x</div>"], line: 1, column: 9),
        Case(code: "T012", sources: ["main.html": "{% if x %}<a href=\"{% endif %}x\">"], line: 1, column: 4),
        Case(code: "T013", sources: ["layouts/a.html": "{% block b %}{% endblock %}", "main.html": "{% extends \"layouts/a\" %}stray text"], line: 1, column: 4),
        Case(code: "T014", sources: ["main.html": "{% block a %}{% endblock %}{% block a %}{% endblock %}"], line: 1, column: 31),
        Case(code: "T015", sources: ["main.html": "<!-- {{ secret }} -->"], line: 1, column: 9),
        Case(code: "T016", sources: ["a.html": "{% include \"b\" %}", "b.html": "{% include \"a\" %}", "main.html": ""], line: 1, column: 4),
        Case(code: "T017", sources: ["main.html": "<button onclick=\"go('{{ id }}')\">go</button>"], line: 1, column: 25),
        Case(code: "T018", sources: ["main.html": "{{ " + String(repeating: "(", count: 100) + "x" + String(repeating: ")", count: 100) + " }}"], line: 1, column: 68),
    ]

    @Test("start-up errors", arguments: compileCases)
    func compileErrors(_ c: Case) throws {
        let error = try #require(throws: TemplateError.self) { try TemplateLibrary(sources: c.sources) }
        #expect(error.code.rawValue == c.code)
        #expect(error.location.line == c.line, "\(error)")
        #expect(error.location.column == c.column, "\(error)")
        #expect(error.snippet.contains("^"))
        #expect(!error.hint.isEmpty)
        #expect(error.description.contains("\(error.location.template):\(c.line):\(c.column): error \(c.code)"))
    }

    @Test("T018: tags nested too deep, and long operator chains, are refused before they can exhaust the stack")
    func nesting() throws {
        let deep = String(repeating: "{% if x %}", count: 49) + String(repeating: "{% endif %}", count: 49)
        #expect(try #require(throws: TemplateError.self) { try TemplateLibrary(sources: ["main.html": deep]) }.code.rawValue == "T018")
        let ok = String(repeating: "{% if x %}", count: 48) + "y" + String(repeating: "{% endif %}", count: 48)
        #expect(try render(ok, ["x": true]) == "y")
        let chain = "{{ x" + String(repeating: " | upper", count: 65) + " }}"
        #expect(try #require(throws: TemplateError.self) { try TemplateLibrary(sources: ["main.html": chain]) }.code.rawValue == "T018")
        let nots = "{% if " + String(repeating: "not ", count: 2000) + "x %}{% endif %}"
        #expect(try #require(throws: TemplateError.self) { try TemplateLibrary(sources: ["main.html": nots]) }.code.rawValue == "T018")
    }

    @Test("T014: a page's block that nests a block of the same name is refused (fuzzer regression)")
    func nestedSameNameBlock() throws {
        let sources = ["layouts/admin.html": "<main>{% block content %}{% endblock %}</main>",
                       "main.html": "{% extends \"layouts/admin\" %}{% block content %}a{% block content %}b{% endblock %}{% endblock %}"]
        let error = try #require(throws: TemplateError.self) { try TemplateLibrary(sources: sources) }
        #expect(error.code.rawValue == "T014")
    }

    @Test("R006: nested loops that would render without end are stopped (fuzzer regression)")
    func budget() throws {
        let nested = String(repeating: "{% for x in xs %}", count: 20) + "." + String(repeating: "{% endfor %}", count: 20)
        let library = try TemplateLibrary(sources: ["main.html": nested])
        let error = try #require(throws: TemplateError.self) { try library.render("main.html", value: ["xs": [1, 2, 3, 4]]) }
        #expect(error.code.rawValue == "R006")
        let small = try TemplateLibrary(sources: ["main.html": "{% for x in xs %}{{ x }}{% endfor %}"],
                                        limits: .init(maximumOutputBytes: 1 << 20, maximumLoopIterations: 3))
        #expect(throws: TemplateError.self) { try small.render("main.html", value: ["xs": [1, 2, 3, 4]]) }
        #expect(try small.render("main.html", value: ["xs": [1, 2, 3]]).count == 3)
    }

    @Test("R001: an unknown variable names itself and where it was used")
    func unknownVariable() throws {
        let library = try TemplateLibrary(sources: ["main.html": "<p>\n{{ user.nmae }}</p>"])
        let error = try #require(throws: TemplateError.self) { try library.render("main.html", value: ["user": ["name": "Ada"]]) }
        #expect(error.code.rawValue == "R001")
        #expect(error.location.description == "main.html:2:4")
        #expect(error.message.contains("nmae"))
        let missing = try #require(throws: TemplateError.self) { try library.render("main.html", value: [:]) }
        #expect(missing.message.contains("`user`"))
    }

    @Test("R002: a filter given the wrong type says which type it needs")
    func wrongType() throws {
        let library = try TemplateLibrary(sources: ["main.html": "{{ price | money: \"EUR\" }}"])
        let error = try #require(throws: TemplateError.self) { try library.render("main.html", value: ["price": "12.50"]) }
        #expect(error.code.rawValue == "R002")
        #expect(error.message.contains("integer minor units"))
        #expect(error.location.column == 12)
    }

    @Test("R003: looping over something that is not a list")
    func notIterable() throws {
        let library = try TemplateLibrary(sources: ["main.html": "{% for x in count %}{{ x }}{% endfor %}"])
        let error = try #require(throws: TemplateError.self) { try library.render("main.html", value: ["count": 3]) }
        #expect(error.code.rawValue == "R003")
    }

    @Test("R004: a model that cannot be encoded")
    func unencodable() throws {
        struct Broken: Encodable {
            func encode(to encoder: any Encoder) throws { throw CancellationError() }
        }
        let library = try TemplateLibrary(sources: ["main.html": "x"])
        let error = try #require(throws: TemplateError.self) { try library.render("main.html", Broken()) }
        #expect(error.code.rawValue == "R004")
    }

    @Test("R005: rendering a template that does not exist")
    func unknownTemplate() throws {
        let library = try TemplateLibrary(sources: ["main.html": "x"])
        let error = try #require(throws: TemplateError.self) { try library.render("nope.html", value: [:]) }
        #expect(error.code.rawValue == "R005")
        #expect(error.hint.contains("main.html"))
    }
}
