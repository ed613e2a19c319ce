import Foundation
import PropertyBased
import TemplateEngine
import Testing

/// Hostile values in every position a template can put them. Payloads from the OWASP XSS
/// Filter Evasion Cheat Sheet (https://cheatsheetseries.owasp.org/cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.html)
/// and our own.
@Suite("Templates: contextual escaping")
struct EscapingTests {
    static let payloads: [String] = [
        "<SCRIPT SRC=https://cdn.jsdelivr.net/gh/Moksh45/host-xss.rocks/index.js></SCRIPT>",
        "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<IMG SRC=javascript:alert('XSS')>",
        "<IMG SRC=JaVaScRiPt:alert('XSS')>",
        "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
        "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
        "<IMG SRC=# onmouseover=\"alert('xxs')\">",
        "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
        "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
        "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
        "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
        "<IMG SRC=\"jav\tascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
        "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
        "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
        "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
        "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
        "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
        "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
        "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
        "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
        "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
        "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
        "<IMG DYNSRC=\"javascript:alert('XSS')\">",
        "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
        "<svg/onload=alert('XSS')>",
        "<BODY ONLOAD=alert('XSS')>",
        "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
        "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
        "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
        "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
        "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
        "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
        "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.rocks/scriptlet.html\"></OBJECT>",
        "\"><script>alert(1)</script>",
        "' onfocus='alert(1)' autofocus='",
        "\" onfocus=\"alert(1)\" autofocus=\"",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "\u{1}javascript:alert(1)",
        "java\nscript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "&#106;avascript:alert(1)",
        "</script><script>alert(1)</script>",
        "{{ 7*7 }}",
        "\u{0}<script>",
    ]

    static let library = try! TemplateLibrary(sources: [
        "text.html": "<p>{{ v }}</p>",
        "attribute.html": "<input value=\"{{ v }}\" title='{{ v }}'>",
        "url.html": "<a href=\"{{ v }}\">x</a><img src='{{ v }}'><form action=\"{{ v }}\"></form>",
        "url-part.html": "<a href=\"/search?q={{ v }}\">x</a>",
        "json.html": "<script type=\"application/json\">{{ v | json }}</script>",
    ])

    static func out(_ name: String, _ value: String) throws -> String {
        String(decoding: try library.render(name, value: ["v": .string(value)]), as: UTF8.self)
    }

    @Test("in text, no payload leaves markup behind", arguments: payloads)
    func text(_ payload: String) throws {
        let out = try Self.out("text.html", payload)
        // Counted in bytes: a combining mark after `<` would hide it from a Character search.
        #expect(count("<", in: out) == 2 && count(">", in: out) == 2)
        #expect(count("\"", in: out) == 0 && count("'", in: out) == 0)
    }

    @Test("in quoted attributes, no payload can close the quote", arguments: payloads)
    func attribute(_ payload: String) throws {
        let out = try Self.out("attribute.html", payload)
        // Exactly the template's own quotes and brackets remain.
        #expect(count("\"", in: out) == 2 && count("'", in: out) == 2)
        #expect(count("<", in: out) == 1 && count(">", in: out) == 1)
    }

    @Test("in URL attributes, script and data schemes are replaced and quotes cannot close", arguments: payloads)
    func url(_ payload: String) throws {
        let out = try Self.out("url.html", payload)
        #expect(count("\"", in: out) == 4 && count("'", in: out) == 2)
        #expect(count("<", in: out) == 5)
        for value in attributeValues(out) {
            let scheme = browserScheme(of: htmlUnescape(value))
            #expect(scheme == nil || ["http", "https", "mailto", "tel", "about"].contains(scheme!), "\(value) has scheme \(scheme!)")
        }
    }

    @Test("later in a URL, values are percent-encoded", arguments: payloads)
    func urlPart(_ payload: String) throws {
        let out = try Self.out("url-part.html", payload)
        let value = out.dropFirst("<a href=\"/search?q=".count).prefix { $0 != "\"" }
        #expect(value.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._~%".unicodeScalars.contains($0)) })
    }

    @Test("in a JSON data block, no payload can close the script", arguments: payloads)
    func json(_ payload: String) throws {
        let out = try Self.out("json.html", payload)
        #expect(count("<", in: out) == 2 && count(">", in: out) == 2)
    }

    @Test("escaping copies the runs between special characters whole: exact output, multi-byte text and NUL included")
    func exactOutput() throws {
        let library = try TemplateLibrary(sources: ["main.html": "<p title=\"{{ v }}\">{{ v }}</p><a href=\"/x/{{ v }}\">"])
        let html = String(decoding: try library.render("main.html", value: ["v": "a&b<c>\"d'é\u{0}ü €"]), as: UTF8.self)
        #expect(html == "<p title=\"a&amp;b&lt;c&gt;&#34;d&#39;é\u{FFFD}ü €\">a&amp;b&lt;c&gt;&#34;d&#39;é\u{FFFD}ü €</p>"
                     + "<a href=\"/x/a%26b%3Cc%3E%22d%27%C3%A9%00%C3%BC%20%E2%82%AC\">")
        #expect(String(decoding: try library.render("main.html", value: ["v": "plain-text_1.0~"]), as: UTF8.self)
                == "<p title=\"plain-text_1.0~\">plain-text_1.0~</p><a href=\"/x/plain-text_1.0~\">")
        #expect(String(decoding: try library.render("main.html", value: ["v": "&"]), as: UTF8.self)
                == "<p title=\"&amp;\">&amp;</p><a href=\"/x/%26\">")
    }

    @Test("safe URLs pass through")
    func safeURLs() throws {
        for url in ["https://keel.dev/a?b=c&d=e", "/admin/tenants", "mailto:ops@keel.dev", "#top", "?page=2", "tenants/acme"] {
            let out = try Self.out("url.html", url)
            #expect(out.hasPrefix("<a href=\"\(url.replacingOccurrences(of: "&", with: "&amp;"))\""))
        }
    }

    @Test("SafeHTML is raw in text only; in attributes it is escaped like any value")
    func safeHTMLOnlyInText() throws {
        let html = TemplateValue.safeHTML(SafeHTML(unsafe: "<b>\"x\"</b>"))
        #expect(String(decoding: try Self.library.render("text.html", value: ["v": html]), as: UTF8.self) == "<p><b>\"x\"</b></p>")
        let attribute = String(decoding: try Self.library.render("attribute.html", value: ["v": html]), as: UTF8.self)
        #expect(!attribute.contains("<b>"))
    }

    /// Any string, including every ASCII and Latin-1 character and some beyond.
    static let anyString = Gen.oneOf(Gen.latin1, Gen.character(in: "\u{100}"..."\u{2FFF}")).string(of: 0...40)

    @Test("property: no generated string renders an unescaped <, \" or ' in text or attributes")
    func property() async {
        await propertyCheck(count: 500, input: Self.anyString) { value in
            let text = try Self.out("text.html", value)
            #expect(count("<", in: text) == 2 && count("\"", in: text) == 0 && count("'", in: text) == 0)
            let attribute = try Self.out("attribute.html", value)
            #expect(count("\"", in: attribute) == 2 && count("'", in: attribute) == 2 && count("<", in: attribute) == 1)
        }
    }
}

func count(_ character: Unicode.Scalar, in text: String) -> Int {
    text.utf8.filter { $0 == UInt8(character.value) }.count
}

/// The values of quoted attributes, as written.
func attributeValues(_ html: String) -> [String] {
    var values: [String] = []
    var rest = html[...]
    while let eq = rest.firstIndex(of: "=") {
        rest = rest[rest.index(after: eq)...]
        guard let quote = rest.first, quote == "\"" || quote == "'" else { continue }
        rest = rest.dropFirst()
        let value = rest.prefix { $0 != quote }
        values.append(String(value))
        rest = rest.dropFirst(value.count)
    }
    return values
}

/// What a browser decodes from an attribute value (the entities our escaper writes, and numeric ones).
func htmlUnescape(_ value: String) -> String {
    var out = value
    for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&#34;", "\""), ("&#39;", "'"), ("&quot;", "\"")] {
        out = out.replacingOccurrences(of: entity, with: character)
    }
    return out.replacingOccurrences(of: "&amp;", with: "&")
}

/// The URL scheme a browser would see (WHATWG URL parsing), or nil for a relative URL.
func browserScheme(of url: String) -> String? {
    let scalars = url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }.drop { $0.value <= 0x20 }
    guard let first = scalars.first, first.isASCII, first.properties.isAlphabetic else { return nil }
    var scheme = ""
    for s in scalars {
        if s == ":" { return scheme.lowercased() }
        guard s.isASCII, s.properties.isAlphabetic || ("0"..."9").contains(s) || "+-.".unicodeScalars.contains(s) else { return nil }
        scheme.unicodeScalars.append(s)
    }
    return nil
}
