public import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A child process for the tests, started with `posix_spawn`.
///
/// Not Foundation's `Process`: on Linux its `run()` lists `/proc/self/fd` with a 256-byte copy of
/// each directory entry, which reads past glibc's buffer and crashes the whole test process now
/// and then (swift-corelibs-foundation PR #5472, merged after Swift 6.3.1) — the more
/// descriptors are open, the likelier, and the suite holds about 1,500 at its peak (each pooled
/// connection's socket and wake-up). Here the child gets stdin, stdout and stderr as asked, and
/// every other descriptor is closed in it (glibc's `closefrom` action).
public final class ChildProcess: Sendable {
    public enum Input: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe whose write end this object holds: `closeInput()` is EOF for the child.
        case pipe
    }

    public enum Output: Sendable {
        /// `/dev/null`.
        case null
        /// A file, created or truncated.
        case file(URL)
        /// A pipe this object reads (`readOutput()`, `readError()`).
        case pipe
        /// Wherever stdout goes (for stderr).
        case stdout
    }

    public let processIdentifier: pid_t
    private let input: Mutex<Int32?>
    private let output: Int32?
    private let error: Int32?
    /// The wait status, once the child has been reaped.
    private let status = Mutex<Int32?>(nil)

    public struct SpawnFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `executable` (a path) with `arguments`; `environment` replaces this process's own
    /// when given, and `directory` is the child's working directory.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
                stdin: Input = .null, stdout: Output = .null, stderr: Output = .null) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child's ends, closed here once it has its copies; the parent's, closed too if
        // starting it fails.
        var closeAfterSpawn: [Int32] = []
        defer { closeAfterSpawn.forEach { _ = close($0) } }
        var parentEnds: [Int32] = []
        var started = false
        defer { if !started { parentEnds.forEach { _ = close($0) } } }

        var inputWriter: Int32?
        switch stdin {
        case .null: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .pipe:
            let (read, write) = try Self.pipe()
            posix_spawn_file_actions_adddup2(&actions, read, 0)
            closeAfterSpawn.append(read)
            parentEnds.append(write)
            inputWriter = write
        }
        func redirect(_ output: Output, to fd: Int32) throws -> Int32? {
            switch output {
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let url): posix_spawn_file_actions_addopen(&actions, fd, url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .stdout: posix_spawn_file_actions_adddup2(&actions, 1, fd)
            case .pipe:
                let (read, write) = try Self.pipe()
                posix_spawn_file_actions_adddup2(&actions, write, fd)
                closeAfterSpawn.append(write)
                parentEnds.append(read)
                return read
            }
            return nil
        }
        let outputReader = try redirect(stdout, to: 1)
        let errorReader = try redirect(stderr, to: 2)
        if let directory {
            guard let addChdir = GNU.addChdir else { throw SpawnFailed(description: "posix_spawn_file_actions_addchdir_np is missing") }
            _ = addChdir(&actions, directory.path)
        }
        guard let addCloseFrom = GNU.addCloseFrom else { throw SpawnFailed(description: "posix_spawn_file_actions_addclosefrom_np is missing") }
        _ = addCloseFrom(&actions, 3)
        // The child starts with no signal blocked and every handler at its default: the thread
        // that spawns it (a dispatch worker) blocks most signals, and a mask is inherited, so a
        // helper would never see the SIGTERM that stops it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw SpawnFailed(description: "could not start \(executable): \(String(cString: strerror(spawned)))")
        }
        started = true
        processIdentifier = pid
        input = Mutex(inputWriter)
        output = outputReader
        error = errorReader
    }

    /// Reaps it if it has ended (one still running is left to end on its own).
    deinit {
        [input.withLock { $0 }, output, error].compactMap { $0 }.forEach { _ = close($0) }
        _ = isRunning
    }

    /// Whether it still runs (reaping it if it has ended).
    public var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var reaped: Int32 = 0
            guard waitpid(processIdentifier, &reaped, WNOHANG) == processIdentifier else { return true }
            status = reaped
            return false
        }
    }

    /// Its exit code, or 128 + the signal that ended it; `nil` while it runs.
    public var terminationStatus: Int32? {
        guard !isRunning, let status = status.withLock({ $0 }) else { return nil }
        return Self.exitCode(status)
    }

    /// Waits for it to end (blocking the calling thread) and returns its exit code, or 128 + the
    /// signal that ended it.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        Self.exitCode(status.withLock { status in
            if let status { return status }
            var reaped: Int32 = 0
            while waitpid(processIdentifier, &reaped, 0) < 0 && errno == EINTR {}
            status = reaped
            return reaped
        })
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Sends `signal` (SIGTERM by default), unless it has ended.
    public func terminate(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// EOF on its stdin and SIGTERM, then waits for it to end (SIGKILL after `grace`). Safe to
    /// call more than once.
    public func stop(grace: Duration = .seconds(5)) {
        guard isRunning else { return }
        closeInput()
        terminate()
        let deadline = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        terminate(SIGKILL)
        waitUntilExit()
    }

    /// EOF on its stdin (with `Input.pipe`). Safe to call more than once.
    public func closeInput() {
        input.withLock { fd in
            if let open = fd { _ = close(open) }
            fd = nil
        }
    }

    /// Everything it writes to stdout (with `Output.pipe`), read to EOF.
    public func readOutput() -> Data { output.map(Self.readToEnd) ?? Data() }

    /// Everything it writes to stderr (with `Output.pipe`), read to EOF.
    public func readError() -> Data { error.map(Self.readToEnd) ?? Data() }

    private static func readToEnd(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { data.append(contentsOf: buffer[..<count]) } else if count == 0 || errno != EINTR { return data }
        }
    }

    /// A pipe whose ends are closed on exec (the child gets copies through `dup2`, which are not).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw SpawnFailed(description: "pipe failed (errno \(errno))") }
        fds.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// glibc's `posix_spawn` extensions (2.29 and 2.34), which Swift's Glibc module does not
    /// import: looked up by name.
    private enum GNU {
        typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        static let addChdir = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
        static let addCloseFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    }
}
