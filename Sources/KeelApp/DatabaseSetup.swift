import Foundation
public import Logging
import Kernel
import Storage

/// Where the server's and the migrations' connections go: `DATABASE_URL` and
/// `MIGRATION_DATABASE_URL`, or the embedded cluster when no URL is set.
public struct DatabaseSetup: Sendable {
    let server: DatabaseConfiguration
    let migration: DatabaseConfiguration
    let cluster: EmbeddedPostgres?

    /// Resolves the settings, starting the embedded cluster if it is needed.
    public static func resolve(_ config: KeelConfig, logger: Logger) async throws -> DatabaseSetup {
        if let url = config.databaseURL {
            let server = try DatabaseConfiguration(url: url, poolSize: config.poolSize)
            // Without a separate owner URL, migrations run as the server's role; the server
            // then refuses to start (it would own its tables), which is the point.
            let migration = try config.migrationDatabaseURL.map { try DatabaseConfiguration(url: $0, poolSize: 1) } ?? server
            return DatabaseSetup(server: server, migration: migration, cluster: nil)
        }
        let cluster = try await EmbeddedPostgres.start(root: URL(fileURLWithPath: config.dataDirectory), logger: logger)
        do {
            try await cluster.ensureDatabase(config.embeddedDatabaseName)
        } catch {
            cluster.stop()
            throw error
        }
        return DatabaseSetup(server: cluster.configuration(database: config.embeddedDatabaseName, role: .app, poolSize: config.poolSize),
                             migration: cluster.configuration(database: config.embeddedDatabaseName, role: .owner, poolSize: 1),
                             cluster: cluster)
    }

    /// Stops the embedded cluster if this process started it.
    public func stop() { cluster?.stop() }

    /// Applies pending migrations as the owner role.
    @discardableResult
    public func migrate(_ config: KeelConfig, logger: Logger) async throws -> [String] {
        let files = try MigrationFile.load(from: URL(fileURLWithPath: config.migrationsDirectory))
        return try await DatabasePool.withPool(migration, logger: logger) { pool in
            try await Migrator(files: files, logger: logger).migrate(pool)
        }
    }

    /// Runs `body` and stops the embedded cluster afterwards, whatever happens.
    public func whileRunning<R: Sendable>(_ body: (DatabaseSetup) async throws -> R) async throws -> R {
        do {
            let result = try await body(self)
            stop()
            return result
        } catch {
            stop()
            throw error
        }
    }
}

/// A connection that reads every row, for `keel backup` and `keel restore --verify`: row-level
/// security hides tenant rows from Keel's own roles, so a dump made as them would be empty.
struct BackupAccess: Sendable {
    let configuration: DatabaseConfiguration
    /// The same connection as a libpq URL (for `pg_dump` and friends), to any database, without
    /// its password: a command line is readable by every local user (`/proc/<pid>/cmdline`).
    let urlOf: @Sendable (_ database: String) -> String
    /// What those programs need in their environment: the password, as `PGPASSWORD`.
    var environment: [String: String] { configuration.password.map { ["PGPASSWORD": $0] } ?? [:] }

    var url: String { urlOf(configuration.database) }
    func url(database: String) -> String { urlOf(database) }

    /// `KEEL_BACKUP_DATABASE_URL`'s role. The URLs for the tools are this one with another
    /// database and no password; by hand, since URLComponents refuses libpq's multi-host
    /// authorities (`h1:5432,h2:5432`).
    static func external(url: String) throws -> BackupAccess {
        let configuration = try DatabaseConfiguration(url: url, poolSize: 1)
        return BackupAccess(configuration: configuration, urlOf: { database in
            guard let scheme = url.range(of: "://") else { return url }
            let query = url[scheme.upperBound...].firstIndex(of: "?") ?? url.endIndex
            let slash = url[scheme.upperBound..<query].firstIndex(of: "/") ?? query
            var authority = url[scheme.upperBound..<slash]
            if let at = authority.firstIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                authority = authority[..<colon] + authority[at...]
            }
            let name = database.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? database
            return url[..<scheme.upperBound] + authority + "/" + name + url[query...]
        })
    }
}

extension DatabaseSetup {
    /// The embedded cluster's superuser, or `KEEL_BACKUP_DATABASE_URL`.
    func backupAccess(_ config: KeelConfig) throws -> BackupAccess {
        if let cluster {
            return BackupAccess(configuration: cluster.superuserConfiguration(database: config.embeddedDatabaseName),
                                urlOf: { cluster.superuserURL(database: $0) })
        }
        guard let url = config.backupDatabaseURL else {
            throw AppError(.configurationInvalid, """
                keel backup and keel restore need KEEL_BACKUP_DATABASE_URL: a role that reads every row (a superuser, or \
                one with BYPASSRLS and SELECT on Keel's schemas; restore checks also need CREATEDB). Row-level security \
                hides tenant rows from Keel's own roles.
                """)
        }
        return try BackupAccess.external(url: url)
    }
}
