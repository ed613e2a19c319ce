public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real SMTP server for the tests: `Support/smtp_server.py` (aiosmtpd) as a child process
/// (`ReadyProcess`), listening on 127.0.0.1. Each message it accepts is stored as `<n>.json` in
/// `outdir`.
///
/// `@unchecked Sendable`: every stored property is a `let`.
public final class SMTPTestServer: @unchecked Sendable {
    /// The port it listens on (127.0.0.1).
    public var port: Int { child.port }
    /// Where accepted messages are stored.
    public let outdir: URL
    /// The server; its scratch directory holds its stdout and stderr (and `outdir` unless one was given).
    private let child: ReadyProcess

    static let supportDirectory = TestDatabase.packageRoot.appendingPathComponent("Tests/NotificationsTests/Support")
    static let script = supportDirectory.appendingPathComponent("smtp_server.py")

    private init(outdir: URL, child: ReadyProcess) {
        self.outdir = outdir
        self.child = child
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: child.workDir)
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
        let workDir = try ReadyProcess.scratchDirectory("smtp")
        let outdir = outdir ?? workDir.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: outdir, withIntermediateDirectories: true)

        var arguments = ["--port", String(port), "--outdir", outdir.path, "--mode", mode]
        if let startTLS { arguments += ["--starttls", startTLS.cert, startTLS.key] }
        if let auth { arguments += ["--auth", auth] }
        if let greetingDelay { arguments += ["--greeting-delay", String(greetingDelay)] }
        return SMTPTestServer(outdir: outdir, child: try await ReadyProcess.start(script, arguments, workDir: workDir))
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
    public func errorOutput() -> String { child.errorOutput() }

    /// Stops the server; safe to call more than once.
    public func stop() { child.stop() }

    /// A self-signed certificate for `localhost` and 127.0.0.1 (made once per test process by
    /// `Support/make_cert.sh`): the PEM certificate and key files.
    public static func certificate() throws -> (cert: String, key: String) {
        try madeCertificate.get()
    }

    private static let madeCertificate = Result<(cert: String, key: String), any Error> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keel-smtp-cert-\(getpid())")
        let process = try ChildProcess("/usr/bin/env", ["bash", supportDirectory.appendingPathComponent("make_cert.sh").path, dir.path],
                                       stderr: .pipe)
        // Read to EOF before waiting, so the script never blocks on a full pipe.
        let message = String(decoding: process.readError(), as: UTF8.self)
        let status = process.waitUntilExit()
        guard status == 0 else {
            throw ReadyProcess.StartFailed(reason: "make_cert.sh exited with status \(status)", stderr: message)
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
