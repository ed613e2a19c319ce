import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

@Suite("Migrations", .enabled(if: TestDatabase.canMakeScratchDatabases))
struct MigratorTests {
    @Test("the repository's migration files are named NNNN_<schema>_<change>.sql, with unique versions")
    func filesAreWellNamed() throws {
        let files = try MigrationFile.load(from: TestDatabase.migrationsDirectory)
        #expect(!files.isEmpty)
        #expect(files.map(\.version) == files.map(\.version).sorted())
        let schemas = Set(files.map { $0.name.split(separator: "_")[1] })
        #expect(schemas.isSubset(of: ["platform", "accounts", "billing", "orders", "notifications"]))
    }

    @Test("a badly named file is refused")
    func badName() {
        #expect(throws: AppError.self) { try MigrationFile(name: "add_users.sql", sql: "") }
        #expect(throws: AppError.self) { try MigrationFile(name: "0001_Accounts_users.sql", sql: "") }
    }

    @Test("two runners started at once apply each file exactly once")
    func concurrentRunnersApplyOnce() async throws {
        // given an empty database and the repository's migrations
        let scratch = try await TestDatabase.shared().scratch("migrate", migrate: false)
        let files = try MigrationFile.load(from: TestDatabase.migrationsDirectory)
        // when two runners start together
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await DatabasePool.withPool(scratch.owner, logger: TestDatabase.logger) { pool in
                        try await Migrator(files: files, logger: TestDatabase.logger).migrate(pool)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // then between them every file was applied once, and the record agrees
        #expect(applied.flatMap { $0 }.sorted() == files.map(\.name))
        #expect(applied.contains([]), "the second runner waited on the lock and found nothing to do")
        let recorded = try await DatabasePool.withPool(scratch.owner, logger: TestDatabase.logger) { pool in
            try await pool.withUnscopedTransaction { tx in
                try await tx.query("select name, checksum from platform.schema_migrations order by version")
                    .map { try $0.decode("name", as: String.self) + ":" + $0.decode("checksum", as: String.self) }
            }
        }
        #expect(recorded == files.map { "\($0.name):\($0.checksum)" })
        let current = try await DatabasePool.withPool(scratch.owner, logger: TestDatabase.logger) { pool in
            try await Migrator(files: files, logger: TestDatabase.logger).isCurrent(pool)
        }
        #expect(current)
    }

    @Test("an applied file that changed stops the run, and readiness reports not current")
    func changedFileIsRefused() async throws {
        // given a database migrated with one file
        let scratch = try await TestDatabase.shared().scratch("checksum", migrate: false)
        let original = try MigrationFile(name: "0001_platform_probe.sql", sql: "create table platform.probe (id int);")
        let edited = try MigrationFile(name: "0001_platform_probe.sql", sql: "create table platform.probe (id bigint);")
        let next = try MigrationFile(name: "0002_platform_probe_more.sql", sql: "alter table platform.probe add column note text;")
        try await DatabasePool.withPool(scratch.owner, logger: TestDatabase.logger) { pool in
            let first = try await Migrator(files: [original], logger: TestDatabase.logger).migrate(pool)
            #expect(first == ["0001_platform_probe"])
            // when the file is edited afterwards
            let error = await #expect(throws: AppError.self) {
                try await Migrator(files: [edited, next], logger: TestDatabase.logger).migrate(pool)
            }
            // then nothing more is applied, and the message says which file and what to do
            #expect(error?.detail.contains("0001_platform_probe") == true)
            #expect(error?.detail.contains("add a new migration") == true)
            #expect(await (try? Migrator(files: [edited, next], logger: TestDatabase.logger).isCurrent(pool)) != true)
            let columns = try await pool.withUnscopedTransaction { tx in
                try await tx.query("select count(*)::int as n from information_schema.columns where table_name = 'probe'")
                    .first!.decode("n", as: Int.self)
            }
            #expect(columns == 1)
        }
    }

    @Test("a version listed as superseded is accepted in place of the file's own, and the next file applies")
    func supersededVersionIsAccepted() async throws {
        let scratch = try await TestDatabase.shared().scratch("superseded", migrate: false)
        let landedFirst = try MigrationFile(name: "0001_platform_probe.sql", sql: "create table platform.probe (id int);")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keel-superseded-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "create table platform.probe (id int, note text);".write(to: directory.appendingPathComponent("0001_platform_probe.sql"),
                                                                     atomically: true, encoding: .utf8)
        try "alter table platform.probe add column if not exists note text;"
            .write(to: directory.appendingPathComponent("0002_platform_probe_note.sql"), atomically: true, encoding: .utf8)
        try "# why\n0001_platform_probe \(landedFirst.checksum)  landed first\n"
            .write(to: directory.appendingPathComponent("superseded.txt"), atomically: true, encoding: .utf8)
        let files = try MigrationFile.load(from: directory)
        #expect(files.map(\.name) == ["0001_platform_probe", "0002_platform_probe_note"])
        #expect(files[0].superseded == [landedFirst.checksum] && files[1].superseded.isEmpty)
        try await DatabasePool.withPool(scratch.owner, logger: TestDatabase.logger) { pool in
            // given a database that applied the version that landed first
            _ = try await Migrator(files: [landedFirst], logger: TestDatabase.logger).migrate(pool)
            // then the files as they are now apply on top of it
            #expect(try await Migrator(files: files, logger: TestDatabase.logger).migrate(pool) == ["0002_platform_probe_note"])
            #expect(try await Migrator(files: files, logger: TestDatabase.logger).isCurrent(pool))
        }
    }

    @Test("a failing file is rolled back whole and reported by name")
    func failingFileRollsBack() async throws {
        let scratch = try await TestDatabase.shared().scratch("failing", migrate: false)
        let broken = try MigrationFile(name: "0001_platform_broken.sql",
                                       sql: "create table platform.half (id int);\nselect no_such_function();")
        try await DatabasePool.withPool(scratch.owner, logger: TestDatabase.logger) { pool in
            let error = await #expect(throws: AppError.self) {
                try await Migrator(files: [broken], logger: TestDatabase.logger).migrate(pool)
            }
            #expect(error?.detail.contains("0001_platform_broken") == true)
            let exists = try await pool.withUnscopedTransaction { tx in
                try await tx.query("select to_regclass('platform.half') is not null as present").first!.decode("present", as: Bool.self)
            }
            #expect(!exists)
        }
    }
}
