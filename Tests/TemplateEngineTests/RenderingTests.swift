import Foundation
import TemplateEngine
import Testing

/// Renders `main` from the given sources.
func render(_ sources: [String: String], _ model: TemplateValue = [:], name: String = "main.html") throws -> String {
    String(decoding: try TemplateLibrary(sources: sources).render(name, value: model), as: UTF8.self)
}

func render(_ source: String, _ model: TemplateValue = [:], name: String = "main.html") throws -> String {
    try render([name: source], model, name: name)
}

@Suite("Templates: rendering")
struct RenderingTests {
    @Test("values by dotted path, escaped in text")
    func paths() throws {
        let model: TemplateValue = ["user": ["name": "Ada <Lovelace>", "tenant": ["slug": "acme"]]]
        #expect(try render("<p>{{ user.name }} @ {{ user.tenant.slug }}</p>", model) == "<p>Ada &lt;Lovelace&gt; @ acme</p>")
    }

    @Test("a record reads as an object: fields by name, nested, in loops, length and json; a missing field is R001")
    func records() throws {
        func row(_ name: String, _ total: Int) -> TemplateValue {
            .record(TemplateRecord(names: ["name", "total", "tenant"], values: [.string(name), .int(total), ["slug": "acme"]]))
        }
        let model: TemplateValue = ["rows": [row("A <1>", 2), row("B", 3)], "one": row("C", 4)]
        #expect(try render("{% for r in rows %}{{ r.name }}={{ r.total }}@{{ r.tenant.slug }};{% endfor %}", model)
                == "A &lt;1&gt;=2@acme;B=3@acme;")
        #expect(try render("{{ one | length }} {% if one.total > 3 %}big{% endif %} {% if one %}set{% endif %}", model) == "3 big set")
        #expect(try render("{{ one | json }}", model) == #"{"name":"C","tenant":{"slug":"acme"},"total":4}"#)
        #expect(try render("{% if one == other %}same{% endif %}", ["one": row("C", 4), "other": ["name": "C", "total": 4, "tenant": ["slug": "acme"]]])
                == "same")
        let library = try TemplateLibrary(sources: ["main.html": "{{ one.nmae }}"])
        let error = try #require(throws: TemplateError.self) { try library.render("main.html", value: model) }
        #expect(error.code.rawValue == "R001" && error.message.contains("nmae"))
        #expect(TemplateRecord(names: ["a", "b"], values: [1, 2]) == TemplateRecord(names: ["b", "a"], values: [2, 1]))
    }

    @Test("if / else if / else, with comparisons and boolean operators")
    func conditionals() throws {
        let source = "{% if n > 10 %}big{% else if n == 10 and not small %}ten{% elif n < 0 or negative %}neg{% else %}small{% endif %}"
        #expect(try render(source, ["n": 11, "small": false, "negative": false]) == "big")
        #expect(try render(source, ["n": 10, "small": false, "negative": false]) == "ten")
        #expect(try render(source, ["n": -1, "small": false, "negative": false]) == "neg")
        #expect(try render(source, ["n": 3, "small": true, "negative": false]) == "small")
        #expect(try render("{% if s == \"x\" %}yes{% endif %}", ["s": "x"]) == "yes")
        #expect(try render("{% if items %}some{% else %}none{% endif %}", ["items": []]) == "none")
    }

    @Test("for with index, first, last, length, and the empty branch")
    func loops() throws {
        let source = "{% for x in xs %}{{ loop.index }}/{{ loop.length }}:{{ x }}{% if loop.first %}(first){% endif %}{% if loop.last %}(last){% else %},{% endif %}{% empty %}nothing{% endfor %}"
        #expect(try render(source, ["xs": ["a", "b", "c"]]) == "1/3:a(first),2/3:b,3/3:c(last)")
        #expect(try render(source, ["xs": []]) == "nothing")
        #expect(try render("{% for x in xs %}{% for y in x.ys %}{{ x.n }}{{ y }}{% endfor %}{% endfor %}",
                           ["xs": [["n": 1, "ys": ["a", "b"]], ["n": 2, "ys": ["c"]]]]) == "1a1b2c")
    }

    @Test("loop is made only when read, and reads as before: index0, nested loops, the whole object, a name it lacks")
    func loopVariable() throws {
        #expect(try render("{% for x in xs %}{{ loop.index0 }}{% for y in x %}[{{ loop.index }}/{{ loop.length }}]{% endfor %}{{ loop.last }} {% endfor %}",
                           ["xs": [["a", "b"], ["c"]]]) == "0[1/2][2/2]false 1[1/1]true ")
        #expect(try render(["main.html": "{% for x in xs %}{% include \"p\" with l=loop %}{% endfor %}",
                            "p.html": "{{ l.index }}{% if l.first %}^{% endif %}{{ l | json }};"], ["xs": ["a", "b"]])
                == #"1^{"first":true,"index":1,"index0":0,"last":false,"length":2};"#
                 + #"2{"first":false,"index":2,"index0":1,"last":true,"length":2};"#)
        let error = try #require(throws: TemplateError.self) { try render("{% for x in xs %}{{ loop.size }}{% endfor %}", ["xs": [1]]) }
        #expect(error.message == "`loop` has no `size`.")
        #expect(try render("{% for loop in xs %}{{ loop.index }}{% endfor %}", ["xs": [["index": 9]]]) == "1")
    }

    @Test("a page extends a layout and fills its named blocks; unfilled blocks keep their default")
    func layouts() throws {
        let sources = [
            "layouts/admin.html": "<title>{% block title %}Keel{% endblock %}</title><main>{% block content %}{% endblock %}</main><footer>{% block footer %}©{% endblock %}</footer>",
            "main.html": "{% extends \"layouts/admin\" %}\n{% block title %}Tenants{% endblock %}\n{% block content %}<h1>{{ heading }}</h1>{% endblock %}\n",
        ]
        #expect(try render(sources, ["heading": "All <tenants>"]) ==
                "<title>Tenants</title><main><h1>All &lt;tenants&gt;</h1></main><footer>©</footer>")
    }

    @Test("layouts can extend layouts")
    func nestedLayouts() throws {
        let sources = [
            "layouts/base.html": "[{% block body %}{% endblock %}]",
            "layouts/admin.html": "{% extends \"layouts/base\" %}{% block body %}<nav/>{% block content %}{% endblock %}{% endblock %}",
            "main.html": "{% extends \"layouts/admin\" %}{% block content %}page{% endblock %}",
        ]
        #expect(try render(sources) == "[<nav/>page]")
    }

    @Test("includes take arguments and see the model")
    func includes() throws {
        let sources = [
            "partials/row.html": "<tr><td>{{ order.number }}</td><td>{{ label }}</td><td>{{ site }}</td></tr>",
            "main.html": "<table>{% for o in orders %}{% include \"partials/row\" with order=o, label=\"#\" %}{% endfor %}</table>",
        ]
        #expect(try render(sources, ["site": "keel", "orders": [["number": 1], ["number": 2]]]) ==
                "<table><tr><td>1</td><td>#</td><td>keel</td></tr><tr><td>2</td><td>#</td><td>keel</td></tr></table>")
    }

    @Test("filters, with arguments")
    func filters() throws {
        let date = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21T14:13:20Z
        let model: TemplateValue = ["name": "Ada", "empty": "", "long": "abcdefghij", "n": 1, "m": 3, "when": .date(date),
                                    "cents": 123456, "neg": -5, "yen": 1500, "cur": "EUR", "list": [1, 2]]
        #expect(try render("{{ name | upper }} {{ name | lower }}", model) == "ADA ada")
        #expect(try render("{{ empty | default: \"—\" }} {{ name | default: \"—\" }}", model) == "— Ada")
        #expect(try render("{{ long | truncate: 5 }} {{ name | truncate: 5 }}", model) == "abcd… Ada")
        #expect(try render("{{ n }} {{ n | pluralize: \"order\", \"orders\" }}, {{ m }} {{ m | pluralize: \"order\", \"orders\" }}", model)
                == "1 order, 3 orders")
        #expect(try render("{{ when | date: \"yyyy-MM-dd HH:mm\" }} {{ when | date: \"dd MMM yyyy\" }}", model)
                == "2026-09-21 14:13 21 Sep 2026")
        #expect(try render("{{ cents | money: \"EUR\" }}; {{ neg | money: cur }}; {{ yen | money: \"JPY\" }}", model)
                == "1,234.56 EUR; -0.05 EUR; 1,500 JPY")
        #expect(try render("{{ list | length }}", model) == "2")
        #expect(try render("{{ name | lower | upper }}", model) == "ADA")
    }

    @Test("the date filter agrees with Foundation's Gregorian calendar in UTC, before 1970, on leap days and across years")
    func dateFilterMatchesCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss dd MMM"
        var generator = SystemRandomNumberGenerator()
        let fixed: [TimeInterval] = [0, -1, -86_400, -86_401, 951_782_400, 951_868_799, 4_107_542_400, 1_790_000_000.75, -2_208_988_800]
        let random = (0..<2_000).map { _ in TimeInterval(Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator)) }
        for seconds in fixed + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(try render("{{ when | date: \"yyyy-MM-dd HH:mm:ss dd MMM\" }}", ["when": .date(date)]) == formatter.string(from: date),
                    "\(seconds)")
        }
    }

    @Test("json inside a script data block is valid JSON that cannot end the script")
    func jsonFilter() throws {
        let model: TemplateValue = ["data": ["name": "</script><script>alert(1)</script>", "n": 2, "ok": true, "tags": ["a'b", "c&d"]]]
        let out = try render("<script type=\"application/json\" id=\"d\">{{ data | json }}</script>", model)
        #expect(out == #"<script type="application/json" id="d">{"n":2,"name":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e","ok":true,"tags":["a\u0027b","c\u0026d"]}</script>"#)
        let json = String(out.dropFirst(#"<script type="application/json" id="d">"#.count).dropLast("</script>".count))
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(decoded?["name"] as? String == "</script><script>alert(1)</script>")
    }

    @Test("comments vanish; whitespace control trims")
    func commentsAndWhitespace() throws {
        #expect(try render("a{# a comment with {{ braces }} #}b") == "ab")
        #expect(try render("<ul>\n  {%- for x in xs %}\n    <li>{{ x }}</li>\n  {%- endfor %}\n</ul>", ["xs": [1, 2]])
                == "<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>")
        #expect(try render("a   {{- x -}}   b", ["x": "X"]) == "aXb")
    }

    @Test("text templates (.txt) are not HTML-escaped")
    func textTemplates() throws {
        #expect(try render("Hello {{ name }} & welcome", ["name": "<Ada>"], name: "email/welcome.txt") == "Hello <Ada> & welcome")
    }

    @Test("models are any Encodable; dates and SafeHTML keep their meaning")
    func encodableModels() throws {
        struct Row: Encodable { let id: UUID; let label: String; let price: Int }
        struct Page: Encodable {
            let title: String
            let rows: [Row]
            let created: Date
            let banner: SafeHTML
            let missing: String?
        }
        let id = UUID()
        let page = Page(title: "Orders", rows: [Row(id: id, label: "A&B", price: 1999)],
                        created: Date(timeIntervalSince1970: 0), banner: SafeHTML(unsafe: "<b>hi</b>"), missing: nil)
        let library = try TemplateLibrary(sources: ["p.html": """
            <h1>{{ title }}</h1>{% for r in rows %}<a href="/orders/{{ r.id }}">{{ r.label }} {{ r.price | money: "USD" }}</a>{% endfor %}\
            {{ created | date: "yyyy" }}{{ banner }}{{ missing | default: "-" }}
            """])
        #expect(try library.render("p.html", page) ==
                "<h1>Orders</h1><a href=\"/orders/\(id.uuidString.lowercased())\">A&amp;B 19.99 USD</a>1970<b>hi</b>-")
    }
}

extension TemplateLibrary {
    func render(_ name: String, _ value: TemplateValue) throws -> String {
        String(decoding: try render(name, value: value), as: UTF8.self)
    }
}
