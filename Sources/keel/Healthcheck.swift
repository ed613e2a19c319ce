import ArgumentParser
import Foundation
import KeelApp
#if canImport(Glibc)
import Glibc
#endif

/// `keel healthcheck`: asks this machine's server for `/healthz`, for the image's HEALTHCHECK
/// (so the image needs no curl). Exit 0 on a 200, 1 otherwise. It asks `KEEL_HOST` when that is
/// an IPv4 address other than 0.0.0.0, else 127.0.0.1; each step (connect, send, answer) may
/// take `--timeout` seconds, one by default, inside Docker's three.
struct Healthcheck: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Exit 0 if the local server answers /healthz with 200 (for HEALTHCHECK).")
    @Option(help: "The port to ask (KEEL_PORT, default 8080).") var port: Int?
    @Option(help: "Seconds each step may take.") var timeout = 1

    func run() throws {
        let config = KeelConfig(environment: ProcessInfo.processInfo.environment)
        let host = inet_addr(config.host) != INADDR_NONE && config.host != "0.0.0.0" ? config.host : "127.0.0.1"
        guard Self.healthy(host: host, port: port ?? config.port, timeoutSeconds: timeout) else { throw ExitCode.failure }
    }

    /// One `GET /healthz` over a plain socket: whether the status line says 200.
    static func healthy(host: String, port: Int, timeoutSeconds: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        var received = 0
        while received < 12 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            guard n > 0 else { break }
            received += n
        }
        let statusLine = String(decoding: buffer[..<received], as: UTF8.self)
        return statusLine.hasPrefix("HTTP/1.1 200") || statusLine.hasPrefix("HTTP/1.0 200")
    }
}
