import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Synchronization
import Testing

/// `keel tenants export` / `import`, and the console's download: every row of one tenant, none
/// of another's, and back again into a database without it.
@Suite("Tenant export and import", .serialized, .enabled(if: TestDatabase.canMakeScratchDatabases))
struct TenantArchiveTests {
    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func object(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("keel-\(name)-\(UUID().uuidString).ndjson").path
    }

    @Test("an export holds every row of its tenant and nothing of another's; it imports into an empty database and exports the same")
    func roundTrip() async throws {
        let source = try await TestDatabase.shared().scratch("export_source")
        let exported = Self.temporaryPath("export")
        let again = Self.temporaryPath("again")
        defer { for path in [exported, again] { try? FileManager.default.removeItem(atPath: path) } }
        let tenants = Mutex<[API.Tenant]>([])
        try await LiveAPI.run(database: source) { api, _ in
            let mine = try await api.signUp()
            let theirs = try await api.signUp()
            for each in [mine, theirs] {
                let order = try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":[{"product":"extra-seats","quantity":2}]}"#,
                                               token: each.token, headers: ["Idempotency-Key": "export-\(each.slug)"])
                #expect(order.status == .created)
            }
            tenants.withLock { $0 = [mine, theirs] }
        }
        let (mine, theirs) = tenants.withLock { ($0[0], $0[1]) }

        // Export: through the tenant path, so row-level security shows this tenant's rows only.
        let summary = try await OperatorCommands.exportTenant(slug: mine.slug, to: exported, HealthTests.config(source),
                                                              logger: TestDatabase.logger)
        #expect(summary.contains("exported tenant \(mine.slug)"))
        let lines = try Self.lines(exported)
        let header = Self.object(lines[0])
        #expect(header["format"] as? String == TenantArchive.format)
        #expect(header["tenant_id"] as? String == mine.id)
        let manifest = try #require(Self.object(lines.last!)["manifest"] as? [String: Any])
        let tables = try #require(manifest["tables"] as? [String: Int])
        for expected in ["accounts.tenants", "accounts.users", "accounts.sessions", "orders.orders",
                         "orders.order_lines", "platform.audit_log", "platform.outbox"] {
            #expect((tables[expected] ?? 0) > 0, "\(expected) has rows in the export")
        }
        var rows = 0
        for line in lines.dropFirst().dropLast() where !line.hasPrefix(#"{"table":"#) {
            rows += 1
            let row = Self.object(line)
            if let owner = row["tenant_id"] as? String { #expect(owner == mine.id, "\(line.prefix(200))") }
        }
        #expect(rows == manifest["rows"] as? Int)
        let text = try String(contentsOfFile: exported, encoding: .utf8)
        #expect(!text.contains(theirs.id) && !text.contains(theirs.slug), "nothing of the other tenant")
        #expect(text.contains(mine.ownerEmail))

        // Import into a database without the tenant, then export it from there: the same rows.
        let target = try await TestDatabase.shared().scratch("export_target")
        let imported = try await OperatorCommands.importTenant(from: exported, HealthTests.config(target), logger: TestDatabase.logger)
        #expect(imported.contains("imported tenant \(mine.slug)"), "\(imported)")
        _ = try await OperatorCommands.exportTenant(slug: mine.slug, to: again, HealthTests.config(target), logger: TestDatabase.logger)
        let reexported = try Self.lines(again)
        #expect(reexported.count == lines.count)
        #expect(Array(reexported.dropFirst()) == Array(lines.dropFirst()), "the same rows, in the same order, but for the header's time")

        // Importing it again is refused: the tenant is there.
        await #expect(throws: AppError.self) {
            try await OperatorCommands.importTenant(from: exported, HealthTests.config(target), logger: TestDatabase.logger)
        }
    }

    @Test("an export made before order lines kept their product's code and name (migration 0031) imports; the catalog fills them")
    func linesWithoutProductNamesImport() async throws {
        let source = try await TestDatabase.shared().scratch("export_old_lines")
        let exported = Self.temporaryPath("old-lines")
        defer { try? FileManager.default.removeItem(atPath: exported) }
        let made = Mutex("")
        try await LiveAPI.run(database: source) { api, _ in
            let tenant = try await api.signUp()
            let order = try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":[{"product":"extra-seats","quantity":2}]}"#,
                                           token: tenant.token, headers: ["Idempotency-Key": "old-lines"])
            #expect(order.status == .created)
            made.withLock { $0 = tenant.slug }
        }
        let slug = made.withLock { $0 }
        _ = try await OperatorCommands.exportTenant(slug: slug, to: exported, HealthTests.config(source), logger: TestDatabase.logger)
        // The lines as an export before 0031 wrote them: without the two columns.
        var table = ""
        var stripped = 0
        let old = try Self.lines(exported).map { line -> String in
            if let name = Self.object(line)["table"] as? String { table = name; return line }
            guard table == "orders.order_lines" else { return line }
            var row = Self.object(line)
            #expect(row.removeValue(forKey: "product_code") as? String == "extra-seats")
            #expect(row.removeValue(forKey: "product_name") != nil)
            stripped += 1
            return String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(stripped == 1)
        try (old.joined(separator: "\n") + "\n").write(toFile: exported, atomically: true, encoding: .utf8)

        let target = try await TestDatabase.shared().scratch("export_old_lines_target")
        let imported = try await OperatorCommands.importTenant(from: exported, HealthTests.config(target), logger: TestDatabase.logger)
        #expect(imported.contains("imported tenant \(slug)"), "\(imported)")
        let lines = try await target.platform.platform("test") { tx in
            try await tx.query("""
                select l.product_code, l.product_name, p.name from orders.order_lines l join orders.products p using (product_id)
                """).map { (try $0.decode("product_code", as: String.self), try $0.decode("product_name", as: String.self),
                            try $0.decode("name", as: String.self)) }
        }
        #expect(lines.count == 1)
        #expect(lines.first?.0 == "extra-seats")
        #expect(lines.first.map { $0.1 == $0.2 } == true, "the catalog's name")

        // A line whose product this catalog lacks is refused as a broken reference, in words.
        let tenantID = try #require(try await target.platform.platform("test") { tx in
            try await tx.query("select tenant_id from accounts.tenants").first?.decode("tenant_id", as: TenantID.self)
        })
        do {
            try await target.database.tenant(tenantID) { tx in
                try await tx.execute("""
                    insert into orders.order_lines (tenant_id, order_id, line_no, product_id, quantity, unit_amount)
                    select tenant_id, order_id, 99, \(UUID()), 1, 100 from orders.orders limit 1
                    """)
            }
            Issue.record("a line with an unknown product was written")
        } catch let error as AppError {
            #expect(error.code == .conflict, "\(error)")
            #expect(error.diagnostics?.contains("which the catalog does not have") == true, "\(error.diagnostics ?? "")")
        }
    }

    @Test("a cut-off export imports nothing, and a file that is not an export is refused in words")
    func incompleteExportImportsNothing() async throws {
        let source = try await TestDatabase.shared().scratch("export_cut")
        let exported = Self.temporaryPath("cut")
        let cut = Self.temporaryPath("cut-short")
        defer { for path in [exported, cut] { try? FileManager.default.removeItem(atPath: path) } }
        let made = Mutex("")
        try await LiveAPI.run(database: source) { api, _ in
            let slug = try await api.signUp().slug
            made.withLock { $0 = slug }
        }
        let slug = made.withLock { $0 }
        _ = try await OperatorCommands.exportTenant(slug: slug, to: exported, HealthTests.config(source), logger: TestDatabase.logger)
        let lines = try Self.lines(exported)
        try (lines.dropLast(3).joined(separator: "\n") + "\n").write(toFile: cut, atomically: true, encoding: .utf8)

        let target = try await TestDatabase.shared().scratch("export_cut_target")
        do {
            _ = try await OperatorCommands.importTenant(from: cut, HealthTests.config(target), logger: TestDatabase.logger)
            Issue.record("a cut-off export was imported")
        } catch let error as AppError {
            #expect(error.detail.contains("incomplete"), "\(error.detail)")
        }
        let tenants = try await target.platform.platform("test") { tx in
            try await tx.query("select count(*) as n from accounts.tenants")[0].decode("n", as: Int.self)
        }
        #expect(tenants == 0, "nothing was imported")

        try "not json\n".write(toFile: cut, atomically: true, encoding: .utf8)
        do {
            _ = try await OperatorCommands.importTenant(from: cut, HealthTests.config(target), logger: TestDatabase.logger)
            Issue.record("a file that is not an export was imported")
        } catch let error as AppError {
            #expect(error.detail.contains("not a Keel tenant export"))
        }
    }

    @Test("the console's download: admins only, with a reason, audited before a byte is sent")
    func consoleDownload() async throws {
        let db = try await TestDatabase.shared().scratch("export_console")
        try await LiveAPI.run(database: db) { api, db in
            let tenant = try await api.signUp()
            let admin = try await AdminClient.makeStaff(api, db, role: .admin).client
            let support = try await AdminClient.makeStaff(api, db, role: .support).client
            let path = "/admin/tenants/\(tenant.id)/export"

            #expect(try await admin.get("/admin/tenants/\(tenant.id)").text.contains(#"action="\#(path)""#))
            #expect(!(try await support.get("/admin/tenants/\(tenant.id)").text.contains(#"action="\#(path)""#)))
            #expect(try await support.post(path, form: ["reason": "Customer asked for their data"]).status == .forbidden)

            let noReason = try await admin.post(path, form: ["reason": ""])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.text.contains("Give a reason of 3 to 500 characters."))

            let download = try await admin.post(path, form: ["reason": "Customer asked for their data"])
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/x-ndjson")
            #expect(download.headers[.contentDisposition]?.contains("keel-tenant-\(tenant.slug)-") == true)
            let lines = download.text.split(separator: "\n").map(String.init)
            #expect(Self.object(lines[0])["tenant_id"] as? String == tenant.id)
            #expect(Self.object(lines.last ?? "")["manifest"] != nil)

            let audit = try await admin.get("/admin/audit?tenant=\(tenant.id)").text
            for expected in ["tenant.exported", "Tenant exported (every row)", "Customer asked for their data"] {
                #expect(audit.contains(expected), "\(expected)")
            }
        }
    }
}
