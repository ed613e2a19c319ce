import TemplateEngine
import Testing

/// Places where a value could change what the HTML means, found in review: each is refused at
/// start-up or escaped for the place the browser will see it in.
@Suite("Templates: context edge cases")
struct ContextEdgeTests {
    static let refused: [(String, [String: String], String)] = [
        ("a value right after <", ["main.html": "<{{ tag }}>"], "T011"),
        ("a value after < inside an if", ["main.html": "<{% if x %}{{ y }}{% endif %}>"], "T011"),
        ("a value in <!…>", ["main.html": "<!{{ x }}>"], "T015"),
        ("an HTML page including a text template", ["main.html": "{% include \"email/receipt.txt\" %}", "email/receipt.txt": "{{ x }}"], "T008"),
        ("a text template extending an HTML layout", ["main.txt": "{% extends \"layouts/admin.html\" %}", "layouts/admin.html": "x"], "T008"),
        ("an include that leaves an attribute open", ["components/open.html": "<a href=\"", "main.html": "{% include \"components/open\" %}{{ url }}\">x</a>"], "T012"),
        ("a value inside a javascript: URL", ["main.html": "<a href=\"javascript:share('{{ t }}')\">x</a>"], "T017"),
        ("a value inside a data: URL", ["main.html": "<img src=\"data:text/html,{{ t }}\">"], "T017"),
        ("a value choosing a script's source", ["main.html": "<script src=\"{{ u }}\"></script>"], "T017"),
        ("a value choosing the base URL", ["main.html": "<base href=\"{{ u }}\">"], "T017"),
        ("a value choosing an iframe's page", ["main.html": "<iframe src=\"{{ u }}\"></iframe>"], "T017"),
        ("a value choosing a stylesheet", ["main.html": "<link rel=\"stylesheet\" href=\"/css/{{ u }}\">"], "T017"),
        ("a value in a meta refresh", ["main.html": "<meta http-equiv=\"refresh\" content=\"0;url={{ u }}\">"], "T017"),
        ("</scriptx does not end a script", ["main.html": "<script></scriptx>{{ v }}</script>"], "T010"),
        ("branches that disagree on a script's type", ["main.html": "<script {% if a %}type=\"text/javascript\"{% else %}type=\"application/json\"{% endif %}>{{ v | json }}</script>"], "T012"),
    ]

    @Test("refused at start-up", arguments: refused.indices)
    func refusedAtStartUp(_ index: Int) throws {
        let (label, sources, code) = Self.refused[index]
        let error = try #require(throws: TemplateError.self, "\(label)") { try TemplateLibrary(sources: sources) }
        #expect(error.code.rawValue == code, "\(label): \(error)")
    }

    @Test("comments closed the unusual ways still end, and what follows is escaped text")
    func unusualCommentEnds() throws {
        for source in ["<!-- a --!>{{ v }}", "<!-->{{ v }}", "<!--->{{ v }}", "<!doctype html>{{ v }}"] {
            #expect(try render(source, ["v": "<b>"]).hasSuffix("&lt;b&gt;"), "\(source)")
        }
    }

    @Test("a URL value later in an http(s) URL is fine, and a script end tag with attributes ends the script")
    func stillAllowed() throws {
        #expect(try render("<a href=\"https://keel.dev/t/{{ s }}\">x</a>", ["s": "a b"]) == "<a href=\"https://keel.dev/t/a%20b\">x</a>")
        #expect(try render("<script type=\"application/json\">{{ v | json }}</script ><p>{{ v }}</p>", ["v": "<"])
                == "<script type=\"application/json\">\"\\u003c\"</script ><p>&lt;</p>")
    }
}
