import Foundation
import Testing

/// A backstop for the target graph (Package.swift is the main rule): scans every source
/// file's imports and checks them against ARCHITECTURE.md.
@Suite("Architecture: who may import whom")
struct ImportRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every source file's imports follow the rules")
    func sourcesFollowRules() throws {
        let imports = try ImportScanner.scan(Self.root.appendingPathComponent("Sources"))
        #expect(imports.count > 20, "the scanner found too few imports; is it looking in the right place?")
        let violations = ImportRules.violations(in: imports)
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    @Test("every source target is one the rules know")
    func everyTargetKnown() throws {
        let targets = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
            .filter { !$0.hasPrefix(".") }
        let unknown = Set(targets).subtracting(ImportRules.ours)
        #expect(unknown.isEmpty, "targets the import rules do not know (add them to ImportRules.ours): \(unknown.sorted())")
    }

    @Test("the rules catch each kind of violation")
    func rulesCatchViolations() {
        let bad: [ImportScanner.Import] = [
            .init(target: "Orders", file: "Sources/Orders/X.swift", module: "Billing"),          // another implementation
            .init(target: "OrdersAPI", file: "Sources/OrdersAPI/X.swift", module: "Storage"),    // API beyond Kernel
            .init(target: "Accounts", file: "Sources/Accounts/X.swift", module: "PostgresNIO"),  // driver outside Storage
            .init(target: "Kernel", file: "Sources/Kernel/X.swift", module: "Hummingbird"),      // web outside the edge
            .init(target: "Web", file: "Sources/Web/X.swift", module: "Storage"),                // web reaching the database
            .init(target: "Web", file: "Sources/Web/X.swift", module: "Accounts"),               // web reaching an implementation
            .init(target: "TemplateEngine", file: "Sources/TemplateEngine/X.swift", module: "HummingbirdCore"),
        ]
        #expect(ImportRules.violations(in: bad).count == bad.count)
        let good: [ImportScanner.Import] = [
            .init(target: "Orders", file: "Sources/Orders/X.swift", module: "BillingAPI"),
            .init(target: "Orders", file: "Sources/Orders/X.swift", module: "Storage"),
            .init(target: "Web", file: "Sources/Web/X.swift", module: "Hummingbird"),
            .init(target: "KeelApp", file: "Sources/KeelApp/X.swift", module: "Orders"),
            .init(target: "Storage", file: "Sources/Storage/X.swift", module: "PostgresNIO"),
        ]
        #expect(ImportRules.violations(in: good).isEmpty)
    }

    @Test("the scanner reads every spelling of import")
    func scannerSpellings() {
        let source = """
            import Foundation
            public import Kernel
            @preconcurrency internal import PostgresNIO
            @testable import Orders
            import struct NIOCore.ByteBuffer
            // import Commented
            let importance = 1
            """
        #expect(ImportScanner.modules(in: source) == ["Foundation", "Kernel", "PostgresNIO", "Orders", "NIOCore"])
    }
}

enum ImportScanner {
    struct Import: Equatable {
        let target: String, file: String, module: String
    }

    static func scan(_ sources: URL) throws -> [Import] {
        var result: [Import] = []
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        for case let url as URL in walker where url.pathExtension == "swift" {
            let relative = url.path.replacingOccurrences(of: sources.path + "/", with: "")
            let target = String(relative.split(separator: "/")[0])
            for module in modules(in: try String(contentsOf: url, encoding: .utf8)) {
                result.append(Import(target: target, file: "Sources/\(relative)", module: module))
            }
        }
        return result
    }

    static func modules(in source: String) -> [String] {
        let keywords: Set<Substring> = ["public", "internal", "package", "private", "fileprivate", "@preconcurrency",
                                        "@testable", "@_exported", "@_implementationOnly"]
        let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
        return source.split(separator: "\n").compactMap { line in
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
            while let first = words.first, keywords.contains(first) { words = words.dropFirst() }
            guard words.first == "import", words.count >= 2 else { return nil }
            words = words.dropFirst()
            if let kind = words.first, kinds.contains(kind) { words = words.dropFirst() }
            return words.first.map { String($0.split(separator: ".")[0]) }
        }
    }
}

enum ImportRules {
    static let modules = ["Accounts", "Billing", "Orders", "Notifications"]
    static let apis = Set(modules.map { "\($0)API" })
    static let ours: Set<String> = Set(modules).union(apis).union(["Kernel", "Storage", "PasswordHashing", "TemplateEngine",
                                                                   "Web", "KeelApp", "CArgon2", "EventLoopExecutor", "keel",
                                                                   "InvoicePDF", "CPangoCairo", "CLibPQ", "PostgresPipeline"])
    static let webEdge: Set<String> = ["Web", "KeelApp", "keel"]

    static func violations(in imports: [ImportScanner.Import]) -> [String] {
        imports.compactMap { i in
            reason(i).map { "\(i.file): imports \(i.module): \($0)" }
        }
    }

    static func reason(_ i: ImportScanner.Import) -> String? {
        if i.module == "PostgresNIO" || i.module == "_ConnectionPoolModule" || i.module == "PostgresPipeline", i.target != "Storage" {
            return "only Storage talks to PostgreSQL"
        }
        if i.module == "CLibPQ", i.target != "PostgresPipeline" {
            return "only the driver (PostgresPipeline) calls libpq"
        }
        if i.module.hasPrefix("Hummingbird"), !webEdge.contains(i.target) {
            return "only Web, KeelApp and keel know HTTP"
        }
        if apis.contains(i.target), ours.contains(i.module), i.module != "Kernel" {
            return "API targets import Kernel only"
        }
        if modules.contains(i.target), modules.contains(i.module), i.module != i.target {
            return "a module uses another module through its API target, never its implementation"
        }
        if i.target == "Web", i.module == "Storage" || modules.contains(i.module) || i.module == "PasswordHashing" {
            return "the web layer reaches modules through their interfaces only"
        }
        if i.target == "TemplateEngine", ours.contains(i.module) {
            return "the template engine stands alone"
        }
        if i.target == "Kernel", ours.contains(i.module) {
            return "Kernel depends on nothing of ours"
        }
        return nil
    }
}
