import Foundation

/// A set of templates, parsed, linked and checked once; rendered many times.
///
/// ```swift
/// let templates = try TemplateLibrary(sources: ["admin/tenants.html": text, "layouts/admin.html": layout])
/// let html = try templates.render("admin/tenants.html", TenantsPage(tenants: rows))
/// ```
///
/// Names are paths relative to the directory, with their extension (`admin/tenants.html`,
/// `email/welcome.txt`). In `extends` and `include`, the extension may be left out: it is
/// the including template's own. `.html` templates are escaped by context; `.txt` are not.
public final class TemplateLibrary: Sendable {
    let templates: [CompiledTemplate]
    let index: [String: Int]
    /// Strict (the default): an unknown variable is error R001. Not strict: it is `nil`.
    public let strict: Bool
    public let limits: Limits

    /// What one render may produce before it is stopped with R006: nested loops over large
    /// lists grow output exponentially, and a page must not take the server's memory with it.
    public struct Limits: Sendable {
        public var maximumOutputBytes: Int
        public var maximumLoopIterations: Int
        public init(maximumOutputBytes: Int = 16 << 20, maximumLoopIterations: Int = 1_000_000) {
            self.maximumOutputBytes = maximumOutputBytes
            self.maximumLoopIterations = maximumLoopIterations
        }
    }

    /// Parses, links and checks `sources` (name → text); the first problem found is thrown,
    /// with its template, line and column. Reading files is the caller's job (`TemplateStore`
    /// in KeelApp): the engine itself does no I/O.
    public init(sources: [String: String], strict: Bool = true, limits: Limits = Limits()) throws(TemplateError) {
        self.strict = strict
        self.limits = limits
        let names = sources.keys.sorted()
        var parsed: [ParsedTemplate] = []
        for name in names { parsed.append(try TemplateParser.parse(name: name, text: sources[name]!)) }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var linker = Linker(parsed: parsed, index: index)
        self.templates = try linker.link()
        self.index = index
    }

    public var names: [String] { templates.map(\.name) }

    /// Renders `name` with the properties of `model` as its variables.
    public func render(_ name: String, _ model: some Encodable) throws -> String {
        String(decoding: try renderUTF8(name, model), as: UTF8.self)
    }

    /// The same, as UTF-8 bytes: what an HTTP body takes, without making a `String` first.
    public func renderUTF8(_ name: String, _ model: some Encodable) throws -> [UInt8] {
        let value: TemplateValue
        do {
            value = try TemplateValueEncoder().encode(model)
        } catch {
            throw TemplateError(code: .unencodableModel, message: "The model could not be encoded: \(error)",
                                location: SourceLocation(template: name, line: 0, column: 0), snippet: "",
                                hint: "Render from a struct of Encodable values.")
        }
        return try render(name, value: value)
    }

    /// Renders `name` into bytes (what the HTTP layer writes).
    public func render(_ name: String, value: TemplateValue) throws(TemplateError) -> [UInt8] {
        guard let i = index[name] else {
            throw TemplateError(code: .unknownTemplateAtRender, message: "There is no template named \(name).",
                                location: SourceLocation(template: name, line: 0, column: 0), snippet: "",
                                hint: "Known: \(index.keys.sorted().joined(separator: ", ")).")
        }
        var renderer = Renderer(library: self, root: value)
        renderer.output.reserveCapacity(templates[i].sizeHint)
        try renderer.render(templates[i].nodes, locals: [])
        return renderer.output
    }
}

/// A template after linking: layouts flattened, includes resolved, outputs' escapers set.
struct CompiledTemplate: Sendable {
    let name: String
    let nodes: [Node]
    let sizeHint: Int
}
