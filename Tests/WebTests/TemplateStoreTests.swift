import Foundation
import KeelApp
import KeelTesting
import Kernel
import TemplateEngine
import Testing

@Suite("Templates at start-up")
struct TemplateStoreTests {
    func directory(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keel-templates-\(UUID())")
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test("every template under the directory is compiled once and rendered many times")
    func loadsDirectory() throws {
        let dir = try directory(["layouts/admin.html": "<b>{% block content %}{% endblock %}</b>",
                                 "page.html": "{% extends \"layouts/admin\" %}{% block content %}{{ x }}{% endblock %}",
                                 "email/welcome.txt": "Hi {{ x }}", "notes.md": "ignored"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TemplateStore(directory: dir, logger: TestDatabase.logger)
        #expect(store.library.names == ["email/welcome.txt", "layouts/admin.html", "page.html"])
        for i in 0..<3 {
            #expect(String(decoding: try store.library.render("page.html", value: ["x": .int(i)]), as: UTF8.self) == "<b>\(i)</b>")
        }
    }

    @Test("a broken template stops the server's start with file, line and column")
    func brokenTemplateStopsStart() async throws {
        let dir = try directory(["admin/broken.html": "<p>\n  <a class={{ c }}>x</a>\n</p>"])
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = HealthTests.config(try await TestDatabase.shared())
        config.templatesDirectory = dir.path
        let error = await #expect(throws: AppError.self) { _ = try await buildApplication(config, logger: TestDatabase.logger) }
        #expect(error?.code == .templatesInvalid)
        #expect(error?.detail.contains("admin/broken.html:2:15: error T009") == true)
    }

    @Test("with reloading on, an edited file is recompiled on next use; a broken edit keeps the last good set")
    func reloads() throws {
        let dir = try directory(["page.html": "v1 {{ x }}"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TemplateStore(directory: dir, reload: true, logger: TestDatabase.logger)
        #expect(String(decoding: try store.library.render("page.html", value: ["x": 1]), as: UTF8.self) == "v1 1")
        let page = dir.appendingPathComponent("page.html")
        try "v2 {{ x }}".write(to: page, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: page.path)
        #expect(String(decoding: try store.library.render("page.html", value: ["x": 1]), as: UTF8.self) == "v2 1")
        try "v3 {{ x ".write(to: page, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(10)], ofItemAtPath: page.path)
        #expect(String(decoding: try store.library.render("page.html", value: ["x": 1]), as: UTF8.self) == "v2 1")
    }
}
