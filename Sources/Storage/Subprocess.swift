import Foundation
public import Kernel
#if canImport(Glibc)
import Glibc
#endif

/// Runs programs to completion: the cluster's tools for the embedded PostgreSQL, `pg_dump` and
/// `pg_restore` for backups.
///
/// Spawned with `posix_spawn` and awaited with `waitpid` rather than Foundation's `Process`,
/// whose exit detection waited on descriptors that `pg_ctl start` hands to the server it leaves
/// running. Output goes to a temporary file for the same reason.
public enum Subprocess {
    /// Runs `path` with `arguments` and returns its output (stdout and stderr together); throws
    /// an `AppError` (`failure`'s code) when it exits non-zero. Blocks the calling thread.
    ///
    /// `environment` is added to this process's own (its names win): for what must not be an
    /// argument, such as `PGPASSWORD`, since any local user can read a command line in `/proc`.
    @discardableResult
    public static func capture(_ path: String, _ arguments: [String], quiet: Bool = false,
                               environment: [String: String] = [:],
                               failure: AppError.Code = .databaseUnavailable) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("keel-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { _, given in given }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw AppError(failure, "Could not run \(path).", diagnostics: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitedCleanly = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
        guard exitedCleanly else {
            throw AppError(failure, "\(URL(fileURLWithPath: path).lastPathComponent) failed.",
                           diagnostics: "\(arguments.joined(separator: " ")): \(quiet ? "" : text)")
        }
        return text
    }

    /// `capture` on a thread of its own, so a long-running program (a dump) blocks no thread of
    /// the cooperative pool.
    @discardableResult
    public static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                           failure: AppError.Code = .databaseUnavailable) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try capture(path, arguments, environment: environment, failure: failure) })
            }
            thread.start()
        }
    }

    /// The path of one of PostgreSQL's client programs (`pg_dump`, `pg_restore`): the newest
    /// installed server's, else the first on `PATH`.
    public static func postgresTool(_ name: String) throws -> String {
        let fm = FileManager.default
        let versions = (try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        var candidates = versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        if let found = candidates.map({ "\($0)/\(name)" }).first(where: { fm.isExecutableFile(atPath: $0) }) {
            return found
        }
        throw AppError(.configurationInvalid, """
            \(name) is not installed. Install PostgreSQL's client programs (`apt-get install -y postgresql-client`), \
            of the server's major version or newer.
            """)
    }
}
