import Foundation
import Kernel
public import Logging
import Storage

/// `keel tenants export` and `keel tenants import` (docs/operations.md), and the console's
/// download: `TenantArchive` over this process's pool.
struct TenantArchives: TenantExporter {
    let pool: DatabasePool

    func export(_ tenantID: TenantID, write: @concurrent (String) async throws -> Void) async throws -> Int {
        try await export(tenantID, write: write, progress: { _, _ in }).rows
    }

    func export(_ tenantID: TenantID, write: @concurrent (String) async throws -> Void,
                progress: (String, Int) -> Void) async throws -> TenantArchive.Summary {
        let migration = try await pool.platformDatabase().platform("export: migration") { tx in
            try await tx.query("select coalesce(max(version), 0) as version from platform.schema_migrations")[0].decode("version", as: Int.self)
        }
        return try await TenantArchive(database: pool.database).export(tenantID, migration: migration, write: write, progress: progress)
    }
}

extension OperatorCommands {
    /// Writes tenant `slug`'s rows to `path` (`-`: standard output), with a line per table on
    /// standard error; returns the summary line.
    public static func exportTenant(slug: String, to path: String, _ config: KeelConfig, logger: Logger) async throws -> String {
        let started = ContinuousClock.now
        let output: FileHandle
        if path == "-" {
            output = .standardOutput
        } else {
            guard !FileManager.default.fileExists(atPath: path) else {
                throw AppError(.conflict, "\(path) exists; choose a new file (an export never overwrites one).")
            }
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: path) else {
                throw AppError(.invalidInput, "\(path) cannot be written.")
            }
            output = handle
        }
        defer { if path != "-" { try? output.close() } }
        return try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                let tenantID = try await tenantID(slug: slug, pool.platformDatabase())
                var buffer = Data()
                var bytes = 0
                let summary = try await TenantArchives(pool: pool).export(tenantID, write: { line in
                    buffer.append(contentsOf: line.utf8)
                    buffer.append(0x0A)
                    if buffer.count >= 1 << 20 {
                        try output.write(contentsOf: buffer)
                        bytes += buffer.count
                        buffer.removeAll(keepingCapacity: true)
                    }
                }, progress: { table, rows in
                    FileHandle.standardError.write(Data("  \(table): \(rows) rows\n".utf8))
                })
                try output.write(contentsOf: buffer)
                bytes += buffer.count
                return "exported tenant \(slug) (\(tenantID)): \(summary.rows) rows in \(summary.tables.count) tables, "
                    + "\(bytes) bytes, to \(path == "-" ? "standard output" : path), in \(Backups.seconds(since: started)) s"
            }
        }
    }

    /// Inserts an export into this database, which must not have the tenant yet; returns the
    /// summary line.
    public static func importTenant(from path: String, _ config: KeelConfig, logger: Logger) async throws -> String {
        let started = ContinuousClock.now
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AppError(.invalidInput, "\(path) cannot be read.")
        }
        return try await DatabaseSetup.resolve(config, logger: logger).whileRunning { setup in
            try await DatabasePool.withPool(setup.server, logger: logger) { pool in
                let (header, summary) = try await TenantArchive(database: pool.database).importRows(FileLines(path: path)) { table, rows in
                    FileHandle.standardError.write(Data("  \(table): \(rows) rows\n".utf8))
                }
                return "imported tenant \(header.slug) (\(header.tenantID)): \(summary.rows) rows in \(summary.tables.count) tables "
                    + "from \(path), in \(Backups.seconds(since: started)) s"
            }
        }
    }

    static func tenantID(slug: String, _ platform: PlatformDatabase) async throws -> TenantID {
        let rows = try await platform.platform("export: find tenant") { tx in
            try await tx.query("select tenant_id from accounts.tenants where slug = \(slug)")
        }
        guard let id = try rows.first?.decode("tenant_id", as: TenantID.self) else {
            throw AppError(.notFound, "There is no tenant '\(slug)'.")
        }
        return id
    }
}

/// A file's lines, read 64 KiB at a time (an export can be larger than memory should hold).
struct FileLines: AsyncSequence, Sendable {
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        var buffer = Data()
        var done = false

        mutating func next() async throws -> String? {
            guard let handle else { return nil }
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    return line
                }
                if done {
                    guard !buffer.isEmpty else { return nil }
                    defer { buffer.removeAll() }
                    return String(decoding: buffer, as: UTF8.self)
                }
                if let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
                    buffer.append(chunk)
                } else {
                    done = true
                    try? handle.close()
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: path)) }
}
