import Crypto
import Foundation
public import Logging
public import Kernel
import Storage

/// `keel backup --to DIR` and `keel restore --from DIR --verify` (docs/operations.md).
///
/// A backup is `pg_dump`'s custom format of Keel's five schemas and a manifest: when, the
/// server's version, the last migration applied, every table's row count and the dump's size
/// and SHA-256. The counts and the dump come from one snapshot: the counting transaction
/// exports it and `pg_dump --snapshot` reads the same one, so a backup of a busy database still
/// agrees with its own manifest.
///
/// Both run as a role that reads every row, because row-level security would hide tenant rows
/// from any other: the embedded cluster's superuser, or `KEEL_BACKUP_DATABASE_URL`.
public enum Backups {
    static let dumpFile = "keel.dump"
    static let manifestFile = "manifest.json"
    /// Tenants whose rows a restore check reads through the tenant path.
    static let sampledTenants = 5

    struct Manifest: Codable {
        var format = "keel-backup/1"
        var createdAt: Date
        var database: String
        var serverVersion: String
        var migration: Int
        var migrationName: String
        var tables: [String: Int]
        var dump: Dump

        struct Dump: Codable {
            var file: String
            var bytes: Int
            var sha256: String
        }
    }

    // MARK: - Backup

    /// Writes a backup into `directory` (made if missing; refused if it already holds one);
    /// returns the one-line summary.
    public static func backup(to directory: String, _ config: KeelConfig, clock: any WallClock = SystemClock(),
                              logger: Logger) async throws -> String {
        let folder = URL(fileURLWithPath: directory)
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.appendingPathComponent(manifestFile).path) {
            throw AppError(.conflict, "\(directory) already holds a backup; choose a new directory.")
        }
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let pgDump = try Subprocess.postgresTool("pg_dump")
        let started = ContinuousClock.now
        let setup = try await DatabaseSetup.resolve(config, logger: logger)
        return try await setup.whileRunning { setup in
            let access = try setup.backupAccess(config)
            let dumpPath = folder.appendingPathComponent(dumpFile).path
            var manifest = try await DatabasePool.withPool(access.configuration, logger: logger) { pool in
                try await pool.platformDatabase().platform("backup", isolation: .repeatableRead) { tx in
                    // Counting a large table may take longer than a request's statement limit.
                    try await tx.execute("set local statement_timeout = 0")
                    let snapshot = try await tx.query("select pg_export_snapshot() as id")[0].decode("id", as: String.self)
                    let facts = try await tx.query("""
                        select current_setting('server_version') as server_version, current_database()::text as database,
                               version, name from platform.schema_migrations order by version desc limit 1
                        """)
                    guard let fact = facts.first else {
                        throw AppError(.conflict, "The database has no migrations applied; there is nothing to back up.")
                    }
                    let tables = try await Catalog.rowCounts(in: tx)
                    try await Subprocess.run(pgDump, ["--format=custom", "--snapshot=\(snapshot)", "--file=\(dumpPath)",
                                                      "--dbname=\(access.url)"] + Catalog.schemas.map { "--schema=\($0)" },
                                             environment: access.environment, failure: .internalError)
                    return Manifest(createdAt: clock.now, database: try fact.decode("database"),
                                    serverVersion: try fact.decode("server_version"), migration: try fact.decode("version"),
                                    migrationName: try fact.decode("name"), tables: tables,
                                    dump: .init(file: dumpFile, bytes: 0, sha256: ""))
                }
            }
            let (bytes, digest) = try fileDigest(dumpPath)
            manifest.dump.bytes = bytes
            manifest.dump.sha256 = digest
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            try encoder.encode(manifest).write(to: folder.appendingPathComponent(manifestFile))
            let rows = manifest.tables.values.reduce(0, +)
            return "backup written: \(dumpPath) (\(mebibytes(bytes)) MiB, \(rows) rows in \(manifest.tables.count) tables, "
                + "migration \(manifest.migration), sha256 \(digest.prefix(16))…) and \(manifestFile), in \(seconds(since: started)) s"
        }
    }

    // MARK: - Restore check

    /// Restores the backup in `directory` into a scratch database on the same server and checks
    /// it; returns whether it passed and the one-line verdict. The scratch database is dropped
    /// afterwards unless `keep`.
    public static func verifyRestore(from directory: String, keep: Bool, _ config: KeelConfig,
                                     clock: any WallClock = SystemClock(), logger: Logger) async throws -> (passed: Bool, verdict: String) {
        let started = ContinuousClock.now
        let folder = URL(fileURLWithPath: directory)
        let manifest: Manifest
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            manifest = try decoder.decode(Manifest.self, from: Data(contentsOf: folder.appendingPathComponent(manifestFile)))
        } catch {
            throw AppError(.invalidInput, "\(directory) holds no readable \(manifestFile): not a Keel backup.",
                           diagnostics: "\(error)")
        }
        let dumpPath = folder.appendingPathComponent(manifest.dump.file).path
        guard let (bytes, digest) = try? fileDigest(dumpPath) else {
            return (false, "restore FAILED: \(dumpPath) cannot be read")
        }
        guard bytes == manifest.dump.bytes, digest == manifest.dump.sha256 else {
            return (false, "restore FAILED: \(dumpPath) is not the file the manifest describes "
                + "(\(bytes) bytes, sha256 \(digest.prefix(16))…; the manifest says \(manifest.dump.bytes) bytes, "
                + "\(manifest.dump.sha256.prefix(16))…): it was damaged or altered")
        }
        let pgRestore = try Subprocess.postgresTool("pg_restore")
        let createdb = try Subprocess.postgresTool("createdb")
        let dropdb = try Subprocess.postgresTool("dropdb")
        let setup = try await DatabaseSetup.resolve(config, logger: logger)
        return try await setup.whileRunning { setup in
            let access = try setup.backupAccess(config)
            let scratch = "keel_restore_\(stampFormatter.string(from: clock.now))"
            try await Subprocess.run(createdb, ["--maintenance-db=\(access.url)", "--owner=\(setup.migration.username)", scratch],
                                     environment: access.environment)
            var problems: [String] = []
            var figures: [String] = []
            do {
                try await Subprocess.run(pgRestore, ["--exit-on-error", "--dbname=\(access.url(database: scratch))", dumpPath],
                                         environment: access.environment, failure: .internalError)
                var superuser = access.configuration
                superuser.database = scratch
                let samples = try await DatabasePool.withPool(superuser, logger: logger) { pool in
                    try await pool.platformDatabase().platform("restore check", isolation: .repeatableRead) { tx in
                        try await tx.execute("set local statement_timeout = 0")
                        let version: Int = try await tx.query("select max(version) as v from platform.schema_migrations")[0].decode("v")
                        if version != manifest.migration {
                            problems.append("migration \(version), the manifest says \(manifest.migration)")
                        }
                        let counts = try await Catalog.rowCounts(in: tx)
                        let differing = Set(counts.keys).union(manifest.tables.keys).sorted()
                            .filter { counts[$0] != manifest.tables[$0] }
                        for table in differing.prefix(5) {
                            problems.append("\(table): \(counts[table].map(String.init) ?? "missing") rows, "
                                + "the manifest says \(manifest.tables[table].map(String.init) ?? "no such table")")
                        }
                        figures.append("migration \(version)")
                        figures.append("\(counts.count) tables and \(counts.values.reduce(0, +)) rows"
                            + (differing.isEmpty ? " as in the manifest" : ", \(differing.count) tables differing"))
                        let tenantTables = try await Catalog.tenantTables(in: tx)
                        let open = tenantTables.filter { !$0.rlsForced }.map(\.name)
                        if !open.isEmpty { problems.append("row-level security not forced on \(open.joined(separator: ", "))") }
                        figures.append("RLS forced on \(tenantTables.count - open.count) of \(tenantTables.count) tenant tables")
                        return try await tx.query("""
                            select t.tenant_id, (select count(*) from accounts.users u where u.tenant_id = t.tenant_id) as users
                            from accounts.tenants t order by t.created_at, t.tenant_id limit \(sampledTenants)
                            """).map { (try $0.decode("tenant_id", as: TenantID.self), try $0.decode("users", as: Int.self)) }
                    }
                }
                // The tenant path: the server's role, a tenant's scope, row-level security on.
                var app = setup.server
                app.database = scratch
                app.poolSize = 1
                let readable = try await DatabasePool.withPool(app, logger: logger) { pool in
                    var readable = 0
                    for (tenant, users) in samples {
                        let seen = try await pool.database.tenant(tenant) { tx in
                            (try await tx.query("select count(*) as n from accounts.users")[0].decode("n", as: Int.self),
                             try await tx.query("select count(*) as n from accounts.tenants")[0].decode("n", as: Int.self))
                        }
                        if seen == (users, 1) {
                            readable += 1
                        } else {
                            problems.append("tenant \(tenant) read through the tenant path saw \(seen.0) users and \(seen.1) tenants, "
                                + "not its \(users) and 1")
                        }
                    }
                    return readable
                }
                figures.append("\(readable) of \(samples.count) sampled tenants read through the tenant path, their rows only")
            } catch {
                problems.append("\(error)")
            }
            if keep {
                figures.append("kept as database \(scratch)")
            } else {
                do {
                    try await Subprocess.run(dropdb, ["--maintenance-db=\(access.url)", "--force", scratch],
                                             environment: access.environment)
                } catch {
                    problems.append("the scratch database \(scratch) could not be dropped: \(error)")
                }
            }
            let head = problems.isEmpty ? "restore verified" : "restore FAILED: \(problems.joined(separator: "; "))"
            return (problems.isEmpty, "\(head) — \(directory) (\(manifest.createdAt.formatted(.iso8601))) into \(scratch): "
                + "\(figures.joined(separator: ", ")); \(seconds(since: started)) s")
        }
    }

    // MARK: - Helpers

    /// The file's size and SHA-256 (hex), read in 1 MiB pieces.
    static func fileDigest(_ path: String) throws -> (Int, String) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AppError(.notFound, "\(path) cannot be read.")
        }
        defer { try? handle.close() }
        var hash = SHA256()
        var bytes = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hash.update(data: chunk)
            bytes += chunk.count
        }
        return (bytes, hash.finalize().map { String(format: "%02x", $0) }.joined())
    }

    static func mebibytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_048_576) }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(format: "%.1f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static let stampFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd_HHmmss"
        return formatter
    }()
}
