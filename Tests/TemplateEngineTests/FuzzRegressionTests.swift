import Foundation
import TemplateEngine
import Testing

/// Inputs that once crashed or hung the fuzz target (fuzz/regressions), replayed the way the
/// target runs them: each must now end in a result or a TemplateError, quickly.
@Suite("Templates: fuzzer regressions")
struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz/regressions")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    @Test("regression inputs are kept")
    func present() { #expect(Self.inputs.count >= 2) }

    @Test("each regression input compiles or fails cleanly, and renders within its budget", arguments: inputs)
    func replay(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(name)))
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let template = String(decoding: bytes[..<split], as: UTF8.self)
        let value: TemplateValue = ["v": "<x>", "n": 3, "xs": ["a", 1, nil, ["a": "b"]], "user": ["name": "n", "tenant": ["slug": "s"]], "flag": true]
        for main in ["main.html", "main.txt"] {
            guard let library = try? TemplateLibrary(sources: [
                main: template,
                "layouts/admin.html": "<main>{% block content %}{% endblock %}</main>",
                "partials/row.html": "<td>{{ v }}</td>",
            ], limits: .init(maximumOutputBytes: 1 << 20, maximumLoopIterations: 10_000)) else { continue }
            _ = try? library.render(main, value: value)
        }
    }
}
