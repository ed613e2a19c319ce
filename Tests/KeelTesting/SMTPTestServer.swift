public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real SMTP server for the tests: `Support/smtp_server.py` (aiosmtpd) as a child process,
/// listening on 127.0.0.1. Each message it accepts is stored as `<n>.json` in `outdir`.
///
/// The server stops on SIGTERM (`stop()`) or when its stdin reaches EOF: stdin is a pipe this
/// object holds open, so a test process that dies takes its servers with it.
///
/// `@unchecked Sendable`: every stored property is a `let`; `Process` may be asked whether it
/// runs, and be terminated, from any thread.
public final class SMTPTestServer: @unchecked Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// Where accepted messages are stored.
    public let outdir: URL
    private let process: Process
    /// Held open for the server's lifetime: EOF on its stdin stops it.
    private let stdinPipe: Pipe
    /// This server's scratch directory (its stdout and stderr; `outdir` unless one was given).
    private let workDir: URL

    static let supportDirectory = TestDatabase.packageRoot.appendingPathComponent("Tests/NotificationsTests/Support")
    static let script = supportDirectory.appendingPathComponent("smtp_server.py")

    private init(port: Int, outdir: URL, process: Process, stdinPipe: Pipe, workDir: URL) {
        self.port = port
        self.outdir = outdir
        self.process = process
        self.stdinPipe = stdinPipe
        self.workDir = workDir
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: workDir)
    }

    /// Starts a server and waits (up to 20 s) for its `READY <port>` line.
    ///
    /// - Parameters:
    ///   - port: 0 for any free port; a given port to start a server where another one was.
    ///   - outdir: where to store messages; a fresh directory when `nil`. A server started on
    ///     another's directory numbers from 1 again, overwriting what it finds.
    ///   - mode: `ok`, `tempfail-rcpt`, `permfail-rcpt`, `tempfail-data`, `permfail-data`,
    ///     `tempfail-then-ok:N` or `hang-after-data` (see smtp_server.py).
    ///   - startTLS: certificate and key files: offer (and require) STARTTLS.
    ///   - auth: `user:password`: offer (and require) AUTH PLAIN and LOGIN.
    ///   - greetingDelay: seconds to wait before the 220 greeting.
    public static func start(port: Int = 0, outdir: URL? = nil, mode: String = "ok", startTLS: (cert: String, key: String)? = nil,
                      auth: String? = nil, greetingDelay: Double? = nil) async throws -> SMTPTestServer {
        let workDir = FileManager.default.temporaryDirectory
            .appendingPathComponent("keel-smtp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let outdir = outdir ?? workDir.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: outdir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)

        var arguments = ["python3", script.path, "--port", String(port), "--outdir", outdir.path, "--mode", mode]
        if let startTLS { arguments += ["--starttls", startTLS.cert, startTLS.key] }
        if let auth { arguments += ["--auth", auth] }
        if let greetingDelay { arguments += ["--greeting-delay", String(greetingDelay)] }

        // stdout and stderr go to files: nobody has to drain a pipe, so a chatty server
        // cannot block on a full one.
        let stdoutURL = workDir.appendingPathComponent("stdout.log")
        let stderrURL = workDir.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutFile = try FileHandle(forWritingTo: stdoutURL)
        let stderrFile = try FileHandle(forWritingTo: stderrURL)
        let stdinPipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = stdinPipe
        process.standardOutput = stdoutFile
        process.standardError = stderrFile
        try process.run()
        // The child has its own copies of these descriptors now.
        try? stdoutFile.close()
        try? stderrFile.close()

        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let output = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
            if let line = output.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("READY ") }),
               let actualPort = Int(line.dropFirst("READY ".count)) {
                return SMTPTestServer(port: actualPort, outdir: outdir, process: process, stdinPipe: stdinPipe, workDir: workDir)
            }
            if !process.isRunning {
                // e.g. "aiosmtpd is missing: python3 -m pip install -r requirements.txt"
                throw StartFailed(reason: "smtp_server.py exited with status \(process.terminationStatus)",
                                  stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
            }
            if ContinuousClock.now >= deadline {
                process.terminate()
                throw StartFailed(reason: "smtp_server.py did not print READY within 20 s",
                                  stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    public struct StartFailed: Error, CustomStringConvertible {
        let reason: String
        let stderr: String
        public var description: String { "\(reason)\n\(stderr)" }
    }

    /// The messages stored so far, in the order the server accepted them.
    public func messages() throws -> [StoredMessage] {
        let names = try FileManager.default.contentsOfDirectory(atPath: outdir.path)
        // `<n>.json` only: the server writes `.<n>.json.tmp` first and renames it.
        let numbered = names.compactMap { name -> (Int, String)? in
            guard name.hasSuffix(".json"), let n = Int(name.dropLast(".json".count)) else { return nil }
            return (n, name)
        }
        return try numbered.sorted { $0.0 < $1.0 }.map { entry in
            try JSONDecoder().decode(StoredMessage.self, from: Data(contentsOf: outdir.appendingPathComponent(entry.1)))
        }
    }

    /// The server's stderr so far (handy in a failing expectation's message).
    public func errorOutput() -> String {
        (try? String(contentsOf: workDir.appendingPathComponent("stderr.log"), encoding: .utf8)) ?? ""
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 5 s). Safe to call more than once.
    public func stop() {
        guard process.isRunning else { return }
        // EOF on stdin is the server's own way out; SIGTERM as well, in case it is busy.
        try? stdinPipe.fileHandleForWriting.close()
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? stdinPipe.fileHandleForWriting.close()
    }

    /// A self-signed certificate for `localhost` and 127.0.0.1 (made once per test process by
    /// `Support/make_cert.sh`): the PEM certificate and key files.
    public static func certificate() throws -> (cert: String, key: String) {
        try madeCertificate.get()
    }

    private static let madeCertificate = Result<(cert: String, key: String), any Error> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keel-smtp-cert-\(getpid())")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", supportDirectory.appendingPathComponent("make_cert.sh").path, dir.path]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        try process.run()
        // Read to EOF before waiting, so the script never blocks on a full pipe.
        let message = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StartFailed(reason: "make_cert.sh exited with status \(process.terminationStatus)", stderr: message)
        }
        return (dir.appendingPathComponent("cert.pem").path, dir.appendingPathComponent("key.pem").path)
    }
}

/// One accepted message as smtp_server.py stores it.
public struct StoredMessage: Decodable, Sendable {
    public let mailFrom: String
    public let rcptTos: [String]
    /// The message as UTF-8 (undecodable bytes replaced); `raw` has the bytes themselves.
    public let data: String
    public let dataBase64: String
    /// Whether STARTTLS was in effect when the message was sent.
    public let tls: Bool
    public let authUser: String?
    public let smtputf8: Bool
    public let ehlo: String?
    public let mailOptions: [String]

    enum CodingKeys: String, CodingKey {
        case mailFrom = "mail_from", rcptTos = "rcpt_tos", data, dataBase64 = "data_base64", tls
        case authUser = "auth_user", smtputf8, ehlo, mailOptions = "mail_options"
    }

    /// The bytes the server received after DATA (dot-stuffing undone, CRLF line ends kept).
    public var raw: [UInt8] { Array(Data(base64Encoded: dataBase64) ?? Data()) }
}
