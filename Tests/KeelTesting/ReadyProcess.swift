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
public final class ReadyProcess: Sendable {
    /// The port it printed (127.0.0.1).
    public let port: Int
    /// Its scratch directory: `stdout.log`, `stderr.log`, and whatever its owner keeps there.
    public let workDir: URL
    private let process: ChildProcess

    private init(port: Int, workDir: URL, process: ChildProcess) {
        self.port = port
        self.workDir = workDir
        self.process = process
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
        let process = try ChildProcess("/usr/bin/env", ["python3", script.path] + arguments,
                                       stdin: .pipe, stdout: .file(stdoutURL), stderr: .file(stderrURL))

        let name = script.lastPathComponent
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let output = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
            if let line = output.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("READY ") }),
               let port = Int(line.dropFirst("READY ".count)) {
                return ReadyProcess(port: port, workDir: workDir, process: process)
            }
            if !process.isRunning {
                // e.g. "aiosmtpd is missing: python3 -m pip install -r requirements.txt"
                throw StartFailed(reason: "\(name) exited with status \(process.terminationStatus ?? -1)",
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
    public func stop() { process.stop() }
}
