import TemplateEngine

/// libFuzzer entry point: the input is split into a template and a value; the template is
/// compiled (next to a fixed layout and partial it may use) and, if it compiles, rendered
/// with the value in several shapes. Errors are expected; crashes, hangs and sanitizer
/// reports are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let template = String(decoding: bytes[..<split], as: UTF8.self)
    let text = split < bytes.count ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : "<script>alert(1)</script>"
    let value: TemplateValue = [
        "v": .string(text), "n": .int(text.utf8.count), "xs": [.string(text), 1, nil, ["a": .string(text)]],
        "user": ["name": .string(text), "tenant": ["slug": "acme"]], "flag": .bool(text.count % 2 == 0),
    ]
    for name in ["main.html", "main.txt"] {
        guard let library = try? TemplateLibrary(sources: [
            name: template,
            "layouts/admin.html": "<main>{% block content %}{% endblock %}</main>",
            "partials/row.html": "<td>{{ v }}</td>",
        ], limits: .init(maximumOutputBytes: 1 << 20, maximumLoopIterations: 10_000)) else { continue }
        _ = try? library.render(name, value: value)
        _ = try? library.render(name, value: [:])
    }
    return 0
}
