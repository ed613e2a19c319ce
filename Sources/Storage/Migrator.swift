public import Foundation
import Kernel
public import Logging
internal import Crypto


/// One migration file: `NNNN_<schema>_<change>.sql`, forward-only.
public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex.
    public let checksum: String
    /// Checksums of other versions of this migration that landed and are accepted in place of
    /// `checksum` (`migrations/superseded.txt`): a database may have applied either.
    public let superseded: Set<String>

    public init(name: String, sql: String, superseded: Set<String> = []) throws {
        let stem = name.hasSuffix(".sql") ? String(name.dropLast(4)) : name
        let parts = stem.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0].count == 4, let version = Int(parts[0]),
              parts[1].allSatisfy({ $0.isLowercase || $0.isNumber }),
              parts[2].allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" }) else {
            throw AppError(.invalidInput, "Migration file '\(name)' is not named NNNN_<schema>_<change>.sql.")
        }
        self.version = version
        self.name = stem
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
        self.superseded = superseded
    }

    /// All `*.sql` files of `directory`, in version order; versions must be unique.
    public static func load(from directory: URL) throws -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw AppError(.invalidInput, "Cannot read the migrations directory \(directory.path).")
        }
        let superseded = try Self.superseded(in: directory)
        let files = try names.filter { $0.hasSuffix(".sql") }.sorted().map { name in
            try MigrationFile(name: name, sql: String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8),
                              superseded: superseded[String(name.dropLast(4)), default: []])
        }
        for (a, b) in zip(files, files.dropFirst()) where a.version == b.version {
            throw AppError(.invalidInput, "Migrations \(a.name) and \(b.name) share version \(a.version).")
        }
        return files
    }

    /// `superseded.txt`: `<migration name> <sha256>` per line, `#` comments and anything after
    /// the checksum ignored. No file, nothing superseded.
    static func superseded(in directory: URL) throws -> [String: Set<String>] {
        let url = directory.appendingPathComponent("superseded.txt")
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        var result: [String: Set<String>] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { continue }
            guard fields[1].count == 64, fields[1].allSatisfy(\.isHexDigit) else {
                throw AppError(.invalidInput, "migrations/superseded.txt: '\(line)' is not '<migration name> <sha256>'.")
            }
            result[String(fields[0]), default: []].insert(String(fields[1]))
        }
        return result
    }
}

/// Applies migration files in order, each in its own transaction together with its record
/// in `platform.schema_migrations`.
///
/// A session advisory lock serialises concurrent runners (two servers starting at once):
/// the second waits, then finds everything applied. A file whose checksum differs from the
/// applied one stops the run: migrations are forward-only, so write a new file instead. (The
/// one exception is a version that landed too, listed in `migrations/superseded.txt`.)
public struct Migrator: Sendable {
    /// An arbitrary constant shared by every Keel process ("keel" in ASCII, plus 1).
    static let lockKey = 0x6B65_656C_0001

    public let files: [MigrationFile]
    let logger: Logger

    public init(files: [MigrationFile], logger: Logger) {
        self.files = files
        self.logger = logger
    }

    /// Applies what is missing; returns the names applied, in order.
    @discardableResult
    public func migrate(_ pool: DatabasePool) async throws -> [String] {
        do {
            return try await pool.withConnection { connection in
                let tx = Transaction(connection: connection, logger: logger)
                try await tx.execute("select pg_advisory_lock(\(Self.lockKey))")
                do {
                    let applied = try await apply(on: tx)
                    try await tx.execute("select pg_advisory_unlock(\(Self.lockKey))")
                    return applied
                } catch {
                    try? await tx.execute("rollback")
                    try? await tx.execute("select pg_advisory_unlock(\(Self.lockKey))")
                    throw error
                }
            }
        } catch {
            throw DatabaseError.map(error)
        }
    }

    private func apply(on tx: Transaction) async throws -> [String] {
        try await tx.execute("create schema if not exists platform")
        try await tx.execute("""
            create table if not exists platform.schema_migrations (
                version integer primary key,
                name text not null,
                checksum text not null,
                applied_at timestamptz not null default now())
            """)
        let recorded = try await Self.recorded(on: tx)
        var applied: [String] = []
        for file in files {
            if let existing = recorded[file.version] {
                try Self.check(file, against: existing)
                continue
            }
            let started = ContinuousClock.now
            try await tx.execute("begin")
            for statement in SQLScript.statements(in: file.sql) {
                do {
                    try await tx.execute(SQL(unsafeSQL: statement))
                } catch {
                    throw AppError(.internalError, "Migration \(file.name) failed.",
                                   diagnostics: "\(statement.prefix(200)): \(String(reflecting: error))")
                }
            }
            try await tx.execute("""
                insert into platform.schema_migrations (version, name, checksum)
                values (\(file.version), \(file.name), \(file.checksum))
                """)
            try await tx.execute("commit")
            logger.info("applied migration", metadata: ["migration": "\(file.name)",
                                                        "duration": "\(ContinuousClock.now - started)"])
            applied.append(file.name)
        }
        return applied
    }

    /// Whether every file is applied, unchanged: what `/readyz` reports.
    public func isCurrent(_ pool: DatabasePool) async throws -> Bool {
        try await pool.withConnection { connection in
            let tx = Transaction(connection: connection, logger: logger)
            let exists = try await tx.query("select to_regclass('platform.schema_migrations') is not null as present")
            guard try exists.first?.decode("present", as: Bool.self) == true else { return false }
            let recorded = try await Self.recorded(on: tx)
            return try files.allSatisfy { file in
                guard let existing = recorded[file.version] else { return false }
                try Self.check(file, against: existing)
                return true
            }
        }
    }

    private static func recorded(on tx: Transaction) async throws -> [Int: (name: String, checksum: String)] {
        var result: [Int: (name: String, checksum: String)] = [:]
        for row in try await tx.query("select version, name, checksum from platform.schema_migrations") {
            result[try row.decode("version")] = (try row.decode("name"), try row.decode("checksum"))
        }
        return result
    }

    private static func check(_ file: MigrationFile, against existing: (name: String, checksum: String)) throws {
        guard existing.name == file.name, existing.checksum == file.checksum || file.superseded.contains(existing.checksum) else {
            throw AppError(.conflict, """
                Migration \(file.name) differs from the one applied as version \(file.version) \
                (\(existing.name), checksum \(existing.checksum.prefix(12))…). Applied migrations are \
                never edited: restore the file and add a new migration instead.
                """)
        }
    }
}
