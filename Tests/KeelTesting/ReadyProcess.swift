public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A helper server for the tests as a child process: `python3 <script> <arguments>`, ready when
/// it prints `READY <port>` on stdout. Its stdout and stderr go to files in its own scratch
/// directory (nobody has to drain a pipe, so a chatty server cannot block on a full one). Its
/// stdin is a pipe this object holds open: EOF stops the server, so a test process that dies
/// takes its servers with it. `SMTPTestServer` and `LocalStripe` are each one of these.
///
/// `@unchecked Sendable`: every stored property is a `let`; `Process` may be asked whether it
/// runs, and be terminated, from any thread.
public final class ReadyProcess: @unchecked Sendable {
    /// The port it printed (127.0.0.1).
    public let port: Int
    /// Its scratch directory: `stdout.log`, `stderr.log`, and whatever its owner keeps there.
    public let workDir: URL
    private let process: Process
    private let stdinPipe: Pipe

    private init(port: Int, workDir: URL, process: Process, stdinPipe: Pipe) {
        self.port = port
        self.workDir = workDir
        self.process = process
        self.stdinPipe = stdinPipe
    }

    /// A fresh scratch directory named after `label` and this test process.
    public static func scratchDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("keel-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Starts `script` with `arguments` and waits (up to 20 s) for its `READY <port>` line.
    public static func start(_ script: URL, _ arguments: [String], workDir: URL) async throws -> ReadyProcess {
        let stdoutURL = workDir.appendingPathComponent("stdout.log")
        let stderrURL = workDir.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutFile = try FileHandle(forWritingTo: stdoutURL)
        let stderrFile = try FileHandle(forWritingTo: stderrURL)
        let stdinPipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutFile
        process.standardError = stderrFile
        try process.run()
        // The child has its own copies of these descriptors now.
        try? stdoutFile.close()
        try? stderrFile.close()

        let name = script.lastPathComponent
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let output = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
            if let line = output.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("READY ") }),
               let port = Int(line.dropFirst("READY ".count)) {
                return ReadyProcess(port: port, workDir: workDir, process: process, stdinPipe: stdinPipe)
            }
            if !process.isRunning {
                // e.g. "aiosmtpd is missing: python3 -m pip install -r requirements.txt"
                throw StartFailed(reason: "\(name) exited with status \(process.terminationStatus)",
                                  stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
            }
            if ContinuousClock.now >= deadline {
                process.terminate()
                throw StartFailed(reason: "\(name) did not print READY within 20 s",
                                  stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    public struct StartFailed: Error, CustomStringConvertible {
        let reason: String
        let stderr: String
        init(reason: String, stderr: String) {
            self.reason = reason
            self.stderr = stderr
        }
        public var description: String { "\(reason)\n\(stderr)" }
    }

    /// The server's stderr so far (handy in a failing expectation's message).
    public func errorOutput() -> String {
        (try? String(contentsOf: workDir.appendingPathComponent("stderr.log"), encoding: .utf8)) ?? ""
    }

    /// EOF on stdin and SIGTERM, then waits for the exit (SIGKILL after 5 s). Safe to call
    /// more than once.
    public func stop() {
        guard process.isRunning else { return }
        try? stdinPipe.fileHandleForWriting.close()
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
