public import Foundation
public import Kernel
public import Logging
public import Storage
#if canImport(Glibc)
import Glibc
#endif

/// The real PostgreSQL every test talks to. With no `DATABASE_URL` it is the embedded
/// cluster under the package's `.data/`, started (or reused) once per test process and
/// stopped at exit if this process started it; the `keel_test` database is recreated and
/// migrated at the start of each run. With `DATABASE_URL` (and `MIGRATION_DATABASE_URL`)
/// that server is used as it is.
public struct TestDatabase: Sendable {
    /// The server role's settings (`keel_app`: no superuser, no BYPASSRLS, owns nothing).
    public let app: DatabaseConfiguration
    /// The owner role's settings (migrations).
    public let owner: DatabaseConfiguration
    /// URLs for `KeelConfig`, pointing at the same database.
    public let databaseURL: String
    public let migrationDatabaseURL: String
    /// A pool as the server role, running for the whole test process.
    public let pool: DatabasePool
    /// The embedded cluster, when tests run on it (needed for scratch databases).
    let cluster: EmbeddedPostgres?

    public var database: Database { pool.database }
    public var platform: PlatformDatabase { pool.platformDatabase() }

    /// The package root, found from this file's path.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let migrationsDirectory = packageRoot.appendingPathComponent("migrations")

    public static let logger: Logger = {
        var logger = Logger(label: "keel.test")
        logger.logLevel = ProcessInfo.processInfo.environment["KEEL_TEST_LOG_LEVEL"].flatMap({ Logger.Level(rawValue: $0) }) ?? .warning
        return logger
    }()

    private static let setUp = Task { try await TestDatabase.make() }

    /// The encryption keys every test server and pool uses (`KEEL_ENCRYPTION_KEYS`), so a
    /// test's own pool opens what a server sealed. Fixed: tests are not about keeping it secret.
    public static let encryptionKeys = "test-2:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=,test-1:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
    public static let keyRing = try! KeyRing(parsing: encryptionKeys)

    /// The shared test database, set up on first use.
    public static func shared() async throws -> TestDatabase {
        try await setUp.value
    }

    /// Whether scratch databases (a fresh database per test) are available: only on the
    /// embedded cluster, where the tests may create databases.
    public static var canMakeScratchDatabases: Bool {
        ProcessInfo.processInfo.environment["DATABASE_URL"] == nil
    }

    private static func make() async throws -> TestDatabase {
        let env = ProcessInfo.processInfo.environment
        let files = try MigrationFile.load(from: migrationsDirectory)
        if let url = env["DATABASE_URL"] {
            let app = try DatabaseConfiguration(url: url, poolSize: 16)
            let ownerURL = env["MIGRATION_DATABASE_URL"] ?? url
            let owner = try DatabaseConfiguration(url: ownerURL, poolSize: 1)
            _ = try await DatabasePool.withPool(owner, logger: logger) { try await Migrator(files: files, logger: logger).migrate($0) }
            return TestDatabase(app: app, owner: owner, databaseURL: url, migrationDatabaseURL: ownerURL,
                                pool: running(DatabasePool(app, secrets: keyRing, logger: logger)), cluster: nil)
        }
        let root = packageRoot.appendingPathComponent(env["KEEL_DATA_DIR"] ?? ".data")
        let cluster = try await EmbeddedPostgres.start(root: root, logger: logger)
        stopAtExit(cluster)
        let database = try await open("keel_test", on: cluster, poolSize: 16, migrate: true)
        try await cluster.dropDatabases(prefixed: scratchPrefix)  // left by earlier runs
        return database
    }

    /// Creates `name` afresh on `cluster`, migrates it as the owner if asked, and opens a
    /// running pool on it as the server role.
    private static func open(_ name: String, on cluster: EmbeddedPostgres, poolSize: Int, migrate: Bool) async throws -> TestDatabase {
        try await cluster.ensureDatabase(name, fresh: true)
        var owner = cluster.configuration(database: name, role: .owner, poolSize: 1)
        owner.connectTimeout = .seconds(connectTimeout)
        if migrate {
            let files = try MigrationFile.load(from: migrationsDirectory)
            _ = try await DatabasePool.withPool(owner, logger: logger) { try await Migrator(files: files, logger: logger).migrate($0) }
        }
        var app = cluster.configuration(database: name, role: .app, poolSize: poolSize)
        app.connectTimeout = .seconds(connectTimeout)
        return TestDatabase(app: app, owner: owner,
                            databaseURL: cluster.url(database: name, role: .app) + "&connect_timeout=\(connectTimeout)",
                            migrationDatabaseURL: cluster.url(database: name, role: .owner) + "&connect_timeout=\(connectTimeout)",
                            pool: running(DatabasePool(app, secrets: keyRing, logger: logger)), cluster: cluster)
    }

    /// A new, migrated database of its own, for tests that must see only their own rows in
    /// platform-wide tables (the outbox) or that change the schema. Requires the embedded cluster.
    public func scratch(_ label: String = "scratch", migrate: Bool = true) async throws -> TestDatabase {
        guard let cluster else { throw ScratchUnavailable() }
        return try await Self.open("\(Self.scratchPrefix)\(label)_\(UInt32.random(in: 0...UInt32.max))", on: cluster,
                                   poolSize: 4, migrate: migrate)
    }

    /// Runs `body` with a pool of two connections on this database whose transactions read
    /// `clock` (`tx.now`), for module tests that move time; the pool closes when `body` returns
    /// (a pool left open would hold its connections, and the suites share one cluster).
    public func withPool<R: Sendable>(clock: any WallClock, _ body: (DatabasePool) async throws -> R) async throws -> R {
        var config = app
        config.poolSize = 2
        return try await DatabasePool.withPool(config, clock: clock, secrets: Self.keyRing, logger: Self.logger, body)
    }

    /// A second pool on the same database, as a second server process would have.
    public func scratchPeer() async throws -> DatabasePool {
        Self.running(DatabasePool(app, secrets: Self.keyRing, logger: Self.logger))
    }

    /// Settings for the cluster's superuser (embedded only), for tests that prove the server
    /// refuses such a role.
    public func superuser() throws -> DatabaseConfiguration {
        guard let cluster else { throw ScratchUnavailable() }
        var config = cluster.configuration(database: app.database, role: .app, poolSize: 1)
        config.username = "postgres"
        return config
    }

    public struct ScratchUnavailable: Error {}

    /// The wait budget (seconds: opening a connection, waiting for a pooled one, then for a
    /// lock) of every test pool and server on the embedded cluster. The default 5 s is a
    /// server's; at the start of a run every suite opens pools at once on two cores, and in CI
    /// a connection once took longer ("timeout expired"), and a signup once waited more than
    /// 5 s for one of its server's connections (503). Tests of the budget itself set their own.
    static let connectTimeout = 30

    static let scratchPrefix = "keel_scratch_"

    private static func running(_ pool: DatabasePool) -> DatabasePool {
        Task.detached { try? await pool.run() }
        return pool
    }

    nonisolated(unsafe) private static var clusterToStop: EmbeddedPostgres?

    private static func stopAtExit(_ cluster: EmbeddedPostgres) {
        clusterToStop = cluster
        atexit { TestDatabase.clusterToStop?.stop() }
    }
}
