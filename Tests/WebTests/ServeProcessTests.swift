import Foundation
import KeelTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `keel serve` as an operator runs it: a real process on the embedded database, stopped
/// with SIGTERM.
@Suite("keel serve, as a process", .enabled(if: TestDatabase.canMakeScratchDatabases))
struct ServeProcessTests {
    /// The `keel` executable SwiftPM built next to this test bundle.
    static var keelBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("keel")
    }

    @Test("it serves /healthz and /readyz on a cluster of its own, and on SIGTERM stops that cluster and exits 0")
    func serveAndTerminate() async throws {
        // given a data directory of its own, so this `keel` starts (and must stop) the cluster
        try #require(FileManager.default.isExecutableFile(atPath: Self.keelBinary.path), "build the keel product first")
        let dataDir = URL(fileURLWithPath: "/tmp/keel-serve-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        let logURL = dataDir.appendingPathExtension("log")
        defer { try? FileManager.default.removeItem(at: logURL) }
        var environment = ProcessInfo.processInfo.environment
        environment["KEEL_LOG_FORMAT"] = "json"
        environment.removeValue(forKey: "DATABASE_URL")
        environment.removeValue(forKey: "KEEL_ENCRYPTION_KEYS")
        let process = try ChildProcess(Self.keelBinary.path, ["serve", "--migrate", "--port", "0", "--data-dir", dataDir.path],
                                       environment: environment, directory: TestDatabase.packageRoot,
                                       stdout: .file(logURL), stderr: .stdout)
        defer { process.stop() }

        // when it is up
        let port = try await waitForPort(in: logURL, process: process)
        #expect(try httpStatus(port: port, path: "/healthz") == 200)
        #expect(try httpStatus(port: port, path: "/readyz") == 200)
        // With no KEEL_ENCRYPTION_KEYS, the embedded database gets a development key beside it,
        // readable by its owner only, and the log says so.
        let keyFile = dataDir.appendingPathComponent("encryption-keys").path
        let permissions = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try String(contentsOf: logURL, encoding: .utf8).contains("a development key was made"))
        let pid = try String(contentsOf: dataDir.appendingPathComponent("postgres/postmaster.pid"), encoding: .utf8)
            .split(separator: "\n").first.flatMap { pid_t($0) }
        let postmaster = try #require(pid)

        // then SIGTERM ends it cleanly, and the cluster it started is gone too
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: dataDir.appendingPathComponent("postgres/postmaster.pid").path),
                "PostgreSQL removes postmaster.pid when it has shut down")
        #expect(!isAlive(postmaster), "the embedded PostgreSQL (pid \(postmaster)) still runs")
        let output = try String(contentsOf: logURL, encoding: .utf8)
        #expect(output.contains("stopped embedded PostgreSQL"))
    }

    /// Whether `pid` runs (a zombie, left unreaped by a container's init, does not count).
    func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// Reads the port from the "listening on" log line.
    func waitForPort(in log: URL, process: ChildProcess) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline && process.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on 127.0.0.1:"),
               let port = Int(text[range.upperBound...].prefix { $0.isNumber }) {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw StartFailed(log: text)
    }

    struct StartFailed: Error, CustomStringConvertible {
        let log: String
        var description: String { "keel serve did not start:\n\(log)" }
    }

    /// A bare HTTP/1.0 GET over a TCP socket: the status code.
    func httpStatus(port: Int, path: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return -1 }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let read = recv(fd, &buffer, buffer.count, 0)
        guard read > 12 else { return -1 }
        // "HTTP/1.1 200 OK"
        return Int(String(decoding: buffer[9..<12], as: UTF8.self)) ?? -1
    }
}
