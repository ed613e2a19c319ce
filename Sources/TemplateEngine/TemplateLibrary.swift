public import Foundation

/// Every template of a directory, parsed, linked and checked once; rendered many times.
///
/// ```swift
/// let templates = try TemplateLibrary(directory: URL(fileURLWithPath: "Templates"))
/// let html = try templates.render("admin/tenants.html", TenantsPage(tenants: rows))
/// ```
///
/// Names are paths relative to the directory, with their extension (`admin/tenants.html`,
/// `email/welcome.txt`). In `extends` and `include`, the extension may be left out: it is
/// the including template's own. `.html` templates are escaped by context; `.txt` are not.
public final class TemplateLibrary: Sendable {
    let templates: [CompiledTemplate]
    let index: [String: Int]

    /// Loads and checks every `.html` and `.txt` file under `directory`; the first problem
    /// found is thrown, with its file, line and column.
    public convenience init(directory: URL) throws {
        var sources: [String: String] = [:]
        let base = directory.standardizedFileURL.path
        if let walker = FileManager.default.enumerator(atPath: base) {
            for case let relative as String in walker where relative.hasSuffix(".html") || relative.hasSuffix(".txt") {
                sources[relative] = try String(contentsOfFile: base + "/" + relative, encoding: .utf8)
            }
        }
        try self.init(sources: sources)
    }

    /// Templates given as name → source (tests, and the fuzzer).
    public init(sources: [String: String]) throws(TemplateError) {
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
        let value: TemplateValue
        do {
            value = try TemplateValueEncoder().encode(model)
        } catch {
            throw TemplateError(code: .unencodableModel, message: "The model could not be encoded: \(error)",
                                location: SourceLocation(template: name, line: 0, column: 0), snippet: "",
                                hint: "Render from a struct of Encodable values.")
        }
        return String(decoding: try render(name, value: value), as: UTF8.self)
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
