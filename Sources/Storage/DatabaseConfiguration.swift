import Foundation
import Kernel

/// Where and how to connect. Built from a `postgres://` URL or, for the embedded cluster,
/// from a Unix socket directory.
public struct DatabaseConfiguration: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file itself, e.g. `.data/run/.s.PGSQL.5432`.
        case unixSocket(path: String)
    }

    public enum TLSMode: String, Sendable {
        case disable, prefer, require
        /// TLS, and the server's certificate checked against the trusted roots (libpq's
        /// `sslrootcert`, `PGSSLROOTCERT` or `~/.postgresql/root.crt`); `verify-full` also
        /// checks that it names the host.
        case verifyCA = "verify-ca", verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Connections in the pool. Small by default: PostgreSQL prefers few busy connections to
    /// many idle ones, and the server's concurrency is bounded by cores, not by the pool.
    public var poolSize: Int
    /// How long a caller waits for a connection before the database counts as unavailable.
    public var connectTimeout: Duration

    public init(endpoint: Endpoint, username: String, password: String? = nil, database: String,
                tls: TLSMode = .prefer, poolSize: Int = 5, connectTimeout: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        // TLS buys nothing on loopback or a Unix socket and costs a handshake per connection.
        switch endpoint {
        case .unixSocket: self.tls = .disable
        case .tcp(let host, _) where ["localhost", "127.0.0.1", "::1"].contains(host): self.tls = .disable
        case .tcp: self.tls = tls
        }
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=require`. A Unix socket is
    /// given libpq-style: `postgres://user@/database?host=/path/to/socket/dir`.
    public init(url: String, poolSize: Int = 5) throws {
        guard let components = URLComponents(string: url),
              ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw AppError(.invalidInput, "DATABASE_URL must look like postgres://user:password@host:5432/database.")
        }
        let items = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
                               uniquingKeysWith: { _, last in last })
        let database = String(components.path.drop { $0 == "/" })
        guard let user = components.user, !user.isEmpty, !database.isEmpty else {
            throw AppError(.invalidInput, "DATABASE_URL needs a user and a database name.")
        }
        let endpoint: Endpoint
        let port = components.port ?? 5432
        if let socketDir = items["host"], socketDir.hasPrefix("/") {
            endpoint = .unixSocket(path: "\(socketDir)/.s.PGSQL.\(port)")
        } else if let host = components.host, !host.isEmpty {
            endpoint = .tcp(host: host, port: port)
        } else {
            throw AppError(.invalidInput, "DATABASE_URL needs a host, or ?host=/socket/dir for a Unix socket.")
        }
        let tls: TLSMode
        switch items["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require": tls = .require
        case "verify-ca": tls = .verifyCA
        case "verify-full": tls = .verifyFull
        case let other:
            throw AppError(.invalidInput, "DATABASE_URL has an unknown sslmode '\(other)'.")
        }
        self.init(endpoint: endpoint, username: user.removingPercentEncoding ?? user,
                  password: components.password?.removingPercentEncoding, database: database,
                  tls: tls, poolSize: poolSize)
    }

    /// The settings as libpq's `key=value` connection string (values quoted, `'` and `\`
    /// escaped). libpq fills in what it leaves out from the `PG*` environment variables.
    public var conninfo: String {
        var settings: [(String, String)] = []
        switch endpoint {
        case .unixSocket(let path):
            // `…/dir/.s.PGSQL.5432`: libpq wants the directory and the port.
            if let marker = path.range(of: "/.s.PGSQL.", options: .backwards) {
                settings += [("host", String(path[..<marker.lowerBound])), ("port", String(path[marker.upperBound...]))]
            } else {
                settings.append(("host", path))
            }
        case .tcp(let host, let port):
            settings += [("host", host), ("port", String(port))]
        }
        settings += [("user", username), ("dbname", database)]
        if let password { settings.append(("password", password)) }
        settings.append(("sslmode", tls.rawValue))
        settings.append(("connect_timeout", String(max(2, connectTimeout.components.seconds))))
        settings.append(("application_name", "keel"))
        return settings.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
    }
}
