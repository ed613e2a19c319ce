import Foundation
import Kernel
internal import PostgresPipeline

/// Where and how to connect. Built from a `postgres://` URL or, for the embedded cluster,
/// from a Unix socket directory.
public struct DatabaseConfiguration: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// Several servers, tried in order until one accepts (libpq's multi-host form); with
        /// `target_session_attrs=read-write` in `options`, the one that accepts writes.
        case hosts([Host])
        /// The socket file itself, e.g. `.data/run/.s.PGSQL.5432`.
        case unixSocket(path: String)
    }

    public struct Host: Sendable, Equatable {
        public var name: String
        public var port: Int
        public init(_ name: String, port: Int = 5432) {
            self.name = name
            self.port = port
        }
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
    /// How long a caller waits for a connection before the database counts as unavailable:
    /// libpq's limit on opening one, and the request's wait budget (a pooled connection, then
    /// a lock). The URL's `connect_timeout` (seconds); 5 s if it has none.
    public var connectTimeout: Duration
    /// Further libpq settings from the URL's query, passed through as they are
    /// (`target_session_attrs`, `sslrootcert`, `keepalives_idle`, …). They come after Keel's own
    /// in the connection string, so `application_name` given here wins.
    public var options: [String: String]

    public init(endpoint: Endpoint, username: String, password: String? = nil, database: String,
                tls: TLSMode = .prefer, poolSize: Int = 5, connectTimeout: Duration = .seconds(5),
                options: [String: String] = [:]) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.options = options
        // TLS buys nothing on loopback or a Unix socket and costs a handshake per connection.
        let loopback: Set = ["localhost", "127.0.0.1", "::1"]
        switch endpoint {
        case .unixSocket: self.tls = .disable
        case .tcp(let host, _) where loopback.contains(host): self.tls = .disable
        case .hosts(let hosts) where hosts.allSatisfy({ loopback.contains($0.name) }): self.tls = .disable
        case .tcp, .hosts: self.tls = tls
        }
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=require`, libpq's URL form:
    /// several servers are `host1:5432,host2:5432` (tried in order; add
    /// `target_session_attrs=read-write` to land on the primary), a Unix socket is
    /// `postgres://user@/database?host=/path/to/socket/dir`, and other query settings are
    /// libpq's own, passed through.
    public init(url: String, poolSize: Int = 5) throws {
        let shape = "DATABASE_URL must look like postgres://user:password@host:5432/database."
        guard let schemeEnd = url.range(of: "://"), ["postgres", "postgresql"].contains(url[..<schemeEnd.lowerBound]) else {
            throw AppError(.invalidInput, shape)
        }
        let rest = url[schemeEnd.upperBound...]
        let (beforeQuery, query) = rest.splitOnce("?")
        let (authority, path) = beforeQuery.splitOnce("/")
        // libpq ends the user part at the first '@': one in a password must be written %40.
        guard authority.count(where: { $0 == "@" }) <= 1 else {
            throw AppError(.invalidInput, "DATABASE_URL has more than one '@' before the host; write an '@' in the user or password as %40.")
        }
        let (userinfo, hostList): (Substring?, Substring) = authority.firstIndex(of: "@").map {
            (authority[..<$0], authority[authority.index(after: $0)...])
        } ?? (nil, authority)
        var items: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") where !pair.isEmpty {
            let (rawName, value) = pair.splitOnce("=")
            let name = try rawName.percentDecoded()
            // Names go into libpq's connection string unquoted: letters, digits and '_' only.
            guard !name.isEmpty, name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }) else {
                throw AppError(.invalidInput, "DATABASE_URL has a query setting whose name is not a libpq setting name (lowercase letters, digits and '_').")
            }
            items[name] = try (value ?? "").percentDecoded()
        }
        let (rawUser, rawPassword) = userinfo.map { $0.splitOnce(":") } ?? ("", nil)
        let user = try rawUser.percentDecoded()
        let database = try (path ?? "").percentDecoded()
        guard !user.isEmpty, !database.isEmpty, !database.contains("/") else {
            throw AppError(.invalidInput, "DATABASE_URL needs a user and a database name.")
        }
        for managed in ["user", "password", "dbname"] where items[managed] != nil {
            throw AppError(.invalidInput, "DATABASE_URL sets '\(managed)' in its query; give it in the URL itself (postgres://user:password@host/database).")
        }

        // The hosts and ports of the URL's authority (`h1:5432,h2`, or just `:5433` beside a
        // `?host=`); `?host=` and `?port=` take precedence, as in libpq.
        let written = hostList.isEmpty ? [] : try hostList.split(separator: ",", omittingEmptySubsequences: false).map(Self.host)
        let portItem = items.removeValue(forKey: "port")
        func ports(for count: Int) throws -> [Int] {
            if let portItem { return try Self.ports(Substring(portItem), count: count) }
            if written.count == count { return written.map(\.port) }
            return Array(repeating: written.count == 1 ? written[0].port : 5432, count: count)
        }
        let endpoint: Endpoint
        if let socketDir = items["host"], socketDir.hasPrefix("/") {
            items["host"] = nil
            endpoint = .unixSocket(path: "\(socketDir)/.s.PGSQL.\(try ports(for: 1)[0])")
        } else {
            var hosts = written
            if let listed = items.removeValue(forKey: "host") {
                hosts = try listed.split(separator: ",", omittingEmptySubsequences: false).map(Self.host)
            }
            let chosen = try ports(for: hosts.count)
            for index in hosts.indices { hosts[index].port = chosen[index] }
            guard let first = hosts.first, hosts.allSatisfy({ !$0.name.isEmpty }) else {
                throw AppError(.invalidInput, "DATABASE_URL needs a host, or ?host=/socket/dir for a Unix socket.")
            }
            endpoint = hosts.count == 1 ? .tcp(host: first.name, port: first.port) : .hosts(hosts)
        }
        let tls: TLSMode
        switch items.removeValue(forKey: "sslmode") ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer
        case "require": tls = .require
        case "verify-ca": tls = .verifyCA
        case "verify-full": tls = .verifyFull
        case let other:
            throw AppError(.invalidInput, "DATABASE_URL has an unknown sslmode '\(other)'.")
        }
        let sessions = ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]
        if let wanted = items["target_session_attrs"], !sessions.contains(wanted) {
            throw AppError(.invalidInput, "DATABASE_URL has an unknown target_session_attrs '\(wanted)' (one of \(sessions.joined(separator: ", "))).")
        }
        // libpq's connect_timeout (whole seconds) is also Keel's wait budget: one setting, so the
        // wait for a connection being opened and for a pooled one cannot disagree.
        var connectTimeout = Duration.seconds(5)
        if let written = items.removeValue(forKey: "connect_timeout") {
            guard let seconds = Int(written), (1...3600).contains(seconds) else {
                throw AppError(.invalidInput, "DATABASE_URL has a connect_timeout '\(written)' that is not a whole number of seconds from 1 to 3600.")
            }
            connectTimeout = .seconds(seconds)
        }
        self.init(endpoint: endpoint, username: user, password: try rawPassword?.percentDecoded(), database: database,
                  tls: tls, poolSize: poolSize, connectTimeout: connectTimeout, options: items)
        if let problem = PipelineConnection.problem(in: conninfo) {
            throw AppError(.invalidInput, "DATABASE_URL: \(problem).")
        }
    }

    /// `name`, `name:port`, `[v6]` or `[v6]:port`.
    private static func host(_ entry: Substring) throws -> Host {
        var name = entry, port: Substring?
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
            name = entry[entry.index(after: entry.startIndex)..<close]
            let after = entry[entry.index(after: close)...]
            port = after.hasPrefix(":") ? after.dropFirst() : (after.isEmpty ? nil : after)
        } else if let colon = entry.lastIndex(of: ":") {
            name = entry[..<colon]
            port = entry[entry.index(after: colon)...]
        }
        return Host(try name.percentDecoded(), port: try port.map { try ports($0, count: 1)[0] } ?? 5432)
    }

    /// One port for every host, or one per host.
    private static func ports(_ list: Substring, count: Int) throws -> [Int] {
        let ports = try list.split(separator: ",", omittingEmptySubsequences: false).map { text in
            if text.isEmpty { return 5432 }  // libpq: an empty port is the default one
            guard let port = Int(text), (1...65535).contains(port) else {
                throw AppError(.invalidInput, "DATABASE_URL has a port '\(text)' that is not a number from 1 to 65535.")
            }
            return port
        }
        if ports.count == 1 { return Array(repeating: ports[0], count: max(count, 1)) }
        guard ports.count == count else {
            throw AppError(.invalidInput, "DATABASE_URL lists \(ports.count) ports for \(count) hosts.")
        }
        return ports
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
        case .hosts(let hosts):
            settings += [("host", hosts.map(\.name).joined(separator: ",")),
                         ("port", hosts.map { String($0.port) }.joined(separator: ","))]
        }
        settings += [("user", username), ("dbname", database)]
        if let password { settings.append(("password", password)) }
        settings.append(("sslmode", tls.rawValue))
        settings.append(("connect_timeout", String(max(2, connectTimeout.components.seconds))))
        settings.append(("application_name", "keel"))
        settings += options.sorted { $0.key < $1.key }
        return settings.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
    }
}

private extension Substring {
    /// The text before and after the first `separator`; `nil` after when there is none.
    func splitOnce(_ separator: Character) -> (Substring, Substring?) {
        guard let index = firstIndex(of: separator) else { return (self, nil) }
        return (self[..<index], self[self.index(after: index)...])
    }

    /// The text with its `%xx` escapes decoded; an escape that is not one is refused (the text
    /// is not repeated: it may be a password).
    func percentDecoded() throws -> String {
        guard let decoded = String(self).removingPercentEncoding else {
            throw AppError(.invalidInput, "DATABASE_URL has a '%' that does not start an escape (write '%' itself as %25).")
        }
        return decoded
    }
}
