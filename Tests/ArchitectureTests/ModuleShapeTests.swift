import Foundation
import Testing

/// Every module reads the same way (docs/architecture-notes.md, "One shape for every module"):
/// a thin facade `<Name>Module.swift`, then `Domain/`, `UseCases/`, `Persistence/`, `Events/`,
/// and, where the module talks to the outside world, `Adapters/` and `Services/`.
@Suite("Architecture: one shape for every module")
struct ModuleShapeTests {
    static let sources = ImportRulesTests.root.appendingPathComponent("Sources")
    static let folders: Set<String> = ["Domain", "UseCases", "Persistence", "Events", "Adapters", "Services", "Resources"]

    static func files(under folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { ($0 as? URL)?.pathExtension == "swift" ? ($0 as? URL)?.lastPathComponent : nil }
    }

    @Test("a module's top level holds its facade and the shared folders only", arguments: ImportRules.modules)
    func topLevel(module: String) throws {
        let root = Self.sources.appendingPathComponent(module)
        let entries = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }
        #expect(entries.contains("\(module)Module.swift"), "\(module) has no \(module)Module.swift facade")
        let stray = entries.filter { !Self.folders.contains($0) && !$0.hasSuffix("Module.swift") }
        #expect(stray.isEmpty, "\(module)/ holds \(stray.sorted()); put them in \(Self.folders.sorted())")
    }

    @Test("use cases are one operation a file; persistence is rows", arguments: ImportRules.modules)
    func fileNames(module: String) {
        let root = Self.sources.appendingPathComponent(module)
        let useCases = Self.files(under: root.appendingPathComponent("UseCases"))
            .filter { !$0.hasSuffix("UseCase.swift") && !$0.hasSuffix("Step.swift") }
        #expect(useCases.isEmpty, "UseCases/ files are <Operation>UseCase.swift or <Shared>Step.swift: \(useCases.sorted())")
        let persistence = Self.files(under: root.appendingPathComponent("Persistence"))
            .filter { !$0.hasSuffix("Rows.swift") && !$0.contains("+") }
        #expect(persistence.isEmpty, "Persistence/ files are <Table>Rows.swift (or Type+Feature.swift): \(persistence.sorted())")
    }

    @Test("facades delegate: no SQL outside Persistence", arguments: ImportRules.modules)
    func sqlInPersistence(module: String) throws {
        let root = Self.sources.appendingPathComponent(module)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return }
        var offenders: [String] = []
        for case let url as URL in walker where url.pathExtension == "swift" && !url.path.contains("/Persistence/") {
            let text = try String(contentsOf: url, encoding: .utf8)
            if text.contains("tx.query(") || text.contains("tx.execute(") { offenders.append(url.lastPathComponent) }
        }
        #expect(offenders.isEmpty, "SQL belongs in Persistence/*Rows.swift: \(offenders.sorted())")
    }
}
