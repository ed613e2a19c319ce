public import Foundation
public import Logging
import Kernel
internal import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster under the data directory, for development and tests:
/// `initdb` on first use, started on a Unix socket inside the data directory (no TCP port),
/// reused by later runs, stopped by whoever started it.
///
/// PostgreSQL refuses to run as root; when this process is root, the cluster's commands run
/// as the unprivileged `postgres` system user (created by Debian's package), which owns
/// the cluster's directories.
public final class EmbeddedPostgres: Sendable {
    /// The roles the cluster is bootstrapped with; operators create the same ones (README).
    public enum Role: String, Sendable {
        /// Owns the schema; runs migrations.
        case owner = "keel_owner"
        /// The server's login: no superuser, no BYPASSRLS, owns nothing.
        case app = "keel_app"
    }

    /// The data directory the caller named (`.data`): holds the start-up lock, and the
    /// cluster itself unless that has to live elsewhere (see `home(for:)`).
    public let root: URL
    /// Where the cluster's files are: `root`, or a short, reachable stand-in.
    let home: URL
    let binDirectory: URL
    let startedHere: Bool
    let logger: Logger

    var dataDirectory: URL { home.appendingPathComponent("postgres") }
    var socketDirectory: URL { home.appendingPathComponent("run") }
    var logFile: URL { home.appendingPathComponent("postgres.log") }
    var socketPath: String { socketDirectory.appendingPathComponent(".s.PGSQL.5432").path }

    /// Starts the cluster under `root` (creating it on first use) unless it already runs, and
    /// makes sure the roles exist.
    public static func start(root: URL, logger: Logger) async throws -> EmbeddedPostgres {
        let root = root.standardizedFileURL.absoluteURL
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let bin = try findBinDirectory()
        // Serialise concurrent starters (a server and a test run) on one lock file.
        let lock = try FileLock(root.appendingPathComponent("postgres.lock").path)
        defer { lock.unlock() }
        let home = try home(for: root, logger: logger)
        let probe = EmbeddedPostgres(root: root, home: home, bin: bin, startedHere: false, logger: logger)
        if try probe.isRunning() {
            logger.info("reusing running embedded PostgreSQL", metadata: ["data": "\(probe.dataDirectory.path)"])
            try await probe.bootstrapRoles()
            return probe
        }
        let cluster = EmbeddedPostgres(root: root, home: home, bin: bin, startedHere: true, logger: logger)
        try cluster.initializeIfNeeded()
        try cluster.run(cluster.tool("pg_ctl"), ["-D", cluster.dataDirectory.path, "-l", cluster.logFile.path,
                                                 "-w", "-t", "60", "start"])
        logger.info("started embedded PostgreSQL", metadata: ["socket": "\(cluster.socketPath)"])
        try await cluster.bootstrapRoles()
        return cluster
    }

    init(root: URL, home: URL, bin: URL, startedHere: Bool, logger: Logger) {
        self.root = root
        self.home = home
        self.binDirectory = bin
        self.startedHere = startedHere
        self.logger = logger
    }

    /// Connection settings for `database` as `role`.
    public func configuration(database: String, role: Role, poolSize: Int = 5) -> DatabaseConfiguration {
        DatabaseConfiguration(endpoint: .unixSocket(path: socketPath), username: role.rawValue,
                              database: database, poolSize: poolSize)
    }

    /// Creates `name` owned by the owner role if missing; `fresh` drops it first (tests).
    public func ensureDatabase(_ name: String, fresh: Bool = false) async throws {
        // Unquoted identifiers fold to lower case; allowing only lower case keeps lookups and
        // creation agreeing on the name.
        precondition(!name.isEmpty && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" },
                     "database names are lower-case identifiers")
        try await asSuperuser { tx in
            if fresh {
                try await tx.execute(SQL(unsafeSQL: "drop database if exists \(name) with (force)"))
            }
            let exists = try await tx.query("select 1 from pg_database where datname = \(name)")
            if exists.isEmpty {
                try await tx.execute(SQL(unsafeSQL: "create database \(name) owner \(Role.owner.rawValue)"))
            }
        }
    }

    /// Drops every database whose name starts with `prefix` (test scratch databases).
    public func dropDatabases(prefixed prefix: String) async throws {
        precondition(prefix.count >= 3, "a prefix that short would drop unrelated databases")
        try await asSuperuser { tx in
            let names = try await tx.query("select datname from pg_database where starts_with(datname, \(prefix))")
                .map { try $0.decode("datname", as: String.self) }
            for name in names where name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                try await tx.execute(SQL(unsafeSQL: "drop database if exists \(name) with (force)"))
            }
        }
    }

    /// Stops the cluster if this process started it.
    public func stop() {
        guard startedHere else { return }
        do {
            try run(tool("pg_ctl"), ["-D", dataDirectory.path, "-m", "fast", "-w", "stop"])
            logger.info("stopped embedded PostgreSQL")
        } catch {
            logger.error("could not stop embedded PostgreSQL", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Set-up

    /// Where the cluster lives: under `root` when the `postgres` user (if we run as root) can
    /// reach it and the socket path fits the 107-byte limit of Unix sockets; otherwise under
    /// `/var/tmp/keel-<hash of root>`, with `root/postgres` a symlink to it so it is still found
    /// from the checkout. (A checkout under `/root`, mode 700, is the common case.)
    static func home(for root: URL, logger: Logger) throws -> URL {
        let socketLength = root.appendingPathComponent("run/.s.PGSQL.5432").path.utf8.count
        let reachable = !isRoot || (try? capture("/usr/sbin/runuser", ["-u", "postgres", "--", "test", "-x", root.path])) != nil
        guard !reachable || socketLength > 100 else { return root }
        let digest = SHA256.hash(data: Data(root.path.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        let home = URL(fileURLWithPath: "/var/tmp/keel-\(digest)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        // The path is predictable: use it only if we own it, so another local user cannot
        // pre-create it and reach the trust-authenticated socket inside.
        var info = stat()
        guard lstat(home.path, &info) == 0, info.st_uid == geteuid(), (info.st_mode & S_IFMT) == S_IFDIR else {
            throw AppError(.databaseUnavailable, "\(home.path) exists but is not a directory owned by this user; remove it and retry.")
        }
        chmod(home.path, 0o755)
        let link = root.appendingPathComponent("postgres")
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) == nil {
            try? FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: home.appendingPathComponent("postgres"))
        }
        logger.notice("embedded PostgreSQL lives outside the data directory", metadata: [
            "home": "\(home.path)", "reason": "\(reachable ? "socket path too long" : "postgres user cannot reach \(root.path)")",
        ])
        return home
    }

    private func isRunning() throws -> Bool {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else {
            return false
        }
        return (try? run(tool("pg_ctl"), ["-D", dataDirectory.path, "status"], quiet: true)) != nil
    }

    private func initializeIfNeeded() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: logFile.path) { _ = fm.createFile(atPath: logFile.path, contents: nil) }
        let fresh = !fm.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
        if fresh {
            try? fm.removeItem(at: dataDirectory)
            try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        }
        if Self.isRoot {
            // The unprivileged user must own what PostgreSQL writes and reach it through `home`.
            chmod(home.path, 0o755)
            try run(URL(fileURLWithPath: "/bin/chown"),
                    ["-R", "postgres:postgres", dataDirectory.path, socketDirectory.path, logFile.path], asRoot: true)
        }
        chmod(dataDirectory.path, 0o700)
        guard fresh else { return }
        logger.info("creating embedded PostgreSQL cluster", metadata: ["data": "\(dataDirectory.path)"])
        try run(tool("initdb"), ["-D", dataDirectory.path, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                 "--no-locale", "--no-instructions"])
        // Unix socket only, in a directory only the cluster's user (and root) can enter:
        // `trust` authentication is then as safe as the directory's permissions. 1,000 clients:
        // the test suites run side by side, each with servers and scratch databases of its own;
        // at 200 a full run was refused connections ("too many clients") in CI, and at 500 a
        // full run peaked at 448 (2026-12-07) and was once refused.
        let settings = """

            # Keel embedded cluster
            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory.path)'
            unix_socket_permissions = 0700
            max_connections = 1000
            """
        let conf = dataDirectory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: conf)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
        chmod(socketDirectory.path, 0o700)
    }

    /// The owner role migrates; the app role is what the server logs in as. `keel_runtime`
    /// is the group the migrations grant table privileges to.
    private func bootstrapRoles() async throws {
        try await asSuperuser { tx in
            try await tx.execute("""
                do $$ begin
                  if not exists (select from pg_roles where rolname = 'keel_owner') then
                    create role keel_owner login;
                  end if;
                  if not exists (select from pg_roles where rolname = 'keel_runtime') then
                    create role keel_runtime nologin;
                  end if;
                  if not exists (select from pg_roles where rolname = 'keel_app') then
                    create role keel_app login nosuperuser nobypassrls in role keel_runtime;
                  end if;
                end $$
                """)
        }
    }

    private func asSuperuser(_ body: (PlatformTransaction) async throws -> Void) async throws {
        // A local administrative step (create or drop a database): on a busy machine it waits
        // longer for its connection than a server's request would.
        let config = DatabaseConfiguration(endpoint: .unixSocket(path: socketPath), username: "postgres",
                                           database: "postgres", poolSize: 1, connectTimeout: .seconds(30))
        try await DatabasePool.withPool(config, logger: logger) { pool in
            // Not a transaction: CREATE/DROP DATABASE cannot run inside one.
            try await pool.withConnection { connection in
                try await body(PlatformTransaction(tx: Transaction(connection: connection, logger: logger), now: SystemClock().now, secrets: nil))
            }
        }
    }

    // MARK: - Processes

    static var isRoot: Bool { geteuid() == 0 }

    private func tool(_ name: String) -> URL { binDirectory.appendingPathComponent(name) }

    static func findBinDirectory() throws -> URL {
        let fm = FileManager.default
        var candidates: [String] = []
        if let bindir = try? capture("/usr/bin/env", ["pg_config", "--bindir"]) {
            candidates.append(bindir.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let versions = (try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        if let found = candidates.first(where: { fm.isExecutableFile(atPath: "\($0)/initdb") && fm.isExecutableFile(atPath: "\($0)/pg_ctl") }) {
            return URL(fileURLWithPath: found)
        }
        throw AppError(.databaseUnavailable, """
            PostgreSQL is not installed, and DATABASE_URL is not set. Install the server with \
            `apt-get install -y postgresql` (Debian/Ubuntu), or point DATABASE_URL at a running server.
            """)
    }

    /// Runs a cluster command, as the `postgres` user when this process is root.
    @discardableResult
    func run(_ executable: URL, _ arguments: [String], asRoot: Bool = false, quiet: Bool = false) throws -> String {
        if Self.isRoot && !asRoot {
            guard (try? Self.capture("/usr/bin/id", ["-u", "postgres"])) != nil else {
                throw AppError(.databaseUnavailable, """
                    Running as root, and there is no 'postgres' system user to run the embedded PostgreSQL \
                    as. Install the server package (`apt-get install -y postgresql`), which creates it.
                    """)
            }
            return try Self.capture("/usr/sbin/runuser", ["-u", "postgres", "--", executable.path] + arguments, quiet: quiet)
        }
        return try Self.capture(executable.path, arguments, quiet: quiet)
    }

    /// Runs a program to completion and returns its output; throws when it exits non-zero.
    /// Blocking, but only at start-up and shutdown of the embedded cluster.
    @discardableResult
    static func capture(_ path: String, _ arguments: [String], quiet: Bool = false) throws -> String {
        try Subprocess.capture(path, arguments, quiet: quiet)
    }
}

/// An exclusive `flock` held until `unlock()`.
struct FileLock {
    let fd: Int32
    init(_ path: String) throws {
        fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0, flock(fd, LOCK_EX) == 0 else {
            throw AppError(.databaseUnavailable, "Cannot lock \(path).")
        }
    }
    func unlock() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension EmbeddedPostgres {
    /// A libpq-style URL for `database` as `role`, over the cluster's socket.
    public func url(database: String, role: Role) -> String {
        "postgres://\(role.rawValue)@/\(database)?host=\(socketDirectory.path)"
    }

    /// The cluster's superuser, which reads every row: for backups and restore checks only.
    public func superuserConfiguration(database: String) -> DatabaseConfiguration {
        DatabaseConfiguration(endpoint: .unixSocket(path: socketPath), username: "postgres", database: database, poolSize: 1)
    }

    /// `superuserConfiguration` as a libpq URL (for `pg_dump` and `pg_restore`).
    public func superuserURL(database: String) -> String {
        "postgres://postgres@/\(database)?host=\(socketDirectory.path)"
    }
}
