import Kernel
import Storage
import Testing

@Suite("Database URLs")
struct DatabaseConfigurationTests {
    @Test("a TCP URL with credentials, port and sslmode")
    func tcp() throws {
        let config = try DatabaseConfiguration(url: "postgres://keel_app:p%40ss@db.internal:6432/keel?sslmode=require", poolSize: 7)
        #expect(config.endpoint == .tcp(host: "db.internal", port: 6432))
        #expect(config.username == "keel_app")
        #expect(config.password == "p@ss")
        #expect(config.database == "keel")
        #expect(config.tls == .require)
        #expect(config.poolSize == 7)
    }

    @Test("TLS is off on loopback and on Unix sockets, whatever the URL asks")
    func tlsOffLocally() throws {
        #expect(try DatabaseConfiguration(url: "postgres://u@127.0.0.1/keel?sslmode=require").tls == .disable)
        #expect(try DatabaseConfiguration(url: "postgres://u@localhost/keel").tls == .disable)
        let socket = try DatabaseConfiguration(url: "postgresql://u@/keel?host=/tmp/pg")
        #expect(socket.endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.5432"))
        #expect(socket.tls == .disable)
        #expect(try DatabaseConfiguration(url: "postgres://u@db/keel").tls == .prefer)
    }

    @Test("malformed URLs are refused with a sentence, not a crash",
          arguments: ["", "mysql://u@h/db", "postgres://h/db", "postgres://u@h/", "postgres://u@/db", "postgres://u@h/db?sslmode=sometimes",
                     "postgres://u@h:99999/db", "postgres://u@h:x/db", "postgres://u@h1,/db", "postgres://u@h1,h2/db?port=1,2,3",
                     "postgres://u@h/db?target_session_attrs=primary-ish", "postgres://u@h/db?no_such_option=1",
                     "postgres://u@h/db?dbname=other", "postgres://u:p@ss@h/db", "postgres://u:p%zz@h/db",
                     "postgres://u@h/db?keepalives%3D%271%27%20sslmode=disable", "postgres://u@h/db?connect_timeout=0",
                     "postgres://u@h/db?connect_timeout=2.5", "postgres://u@h/db?connect_timeout=soon"])
    func malformed(url: String) {
        #expect(throws: AppError.self) { try DatabaseConfiguration(url: url) }
    }

    @Test("libpq's connection string: socket directory and port, quoted values, sslmode, a timeout of at least 2 s")
    func conninfo() throws {
        let socket = try DatabaseConfiguration(url: "postgres://keel_app@/keel?host=/run/keel%20db")
        #expect(socket.conninfo.hasPrefix("host='/run/keel db' port='5432' user='keel_app' dbname='keel' sslmode='disable'"))
        let tcp = try DatabaseConfiguration(url: "postgres://app:it's%5Cme@db.internal:6432/keel?sslmode=verify-full")
        #expect(tcp.tls == .verifyFull)
        #expect(tcp.conninfo.contains("host='db.internal' port='6432'"))
        #expect(tcp.conninfo.contains(#"password='it\'s\\me'"#))
        #expect(tcp.conninfo.contains("sslmode='verify-full'"))
        #expect(tcp.conninfo.contains("connect_timeout='5'"))
    }

    @Test("connect_timeout is libpq's limit on opening a connection and the wait budget both; 5 s without it")
    func connectTimeout() throws {
        let given = try DatabaseConfiguration(url: "postgres://u@db/keel?connect_timeout=30")
        #expect(given.connectTimeout == .seconds(30))
        #expect(given.options.isEmpty)
        #expect(given.conninfo.contains("connect_timeout='30'") && !given.conninfo.contains("connect_timeout='5'"))
        #expect(try DatabaseConfiguration(url: "postgres://u@db/keel").connectTimeout == .seconds(5))
        // libpq takes less than 2 s as 2 s; the wait budget keeps what was written.
        let short = try DatabaseConfiguration(url: "postgres://u@db/keel?connect_timeout=1")
        #expect(short.connectTimeout == .seconds(1) && short.conninfo.contains("connect_timeout='2'"))
    }

    @Test("several hosts, libpq's way: tried in order, each with its port, options passed through")
    func multiHost() throws {
        let url = "postgresql://keel_app@db-a:5433,db-b,[2001:db8::1]:6432/keel?target_session_attrs=read-write&sslmode=require&keepalives_idle=30"
        let config = try DatabaseConfiguration(url: url)
        #expect(config.endpoint == .hosts([.init("db-a", port: 5433), .init("db-b"), .init("2001:db8::1", port: 6432)]))
        #expect(config.tls == .require)
        #expect(config.options == ["target_session_attrs": "read-write", "keepalives_idle": "30"])
        #expect(config.conninfo.contains("host='db-a,db-b,2001:db8::1' port='5433,5432,6432'"))
        #expect(config.conninfo.hasSuffix("keepalives_idle='30' target_session_attrs='read-write'"))

        let loopback = try DatabaseConfiguration(url: "postgres://u@127.0.0.1:5432,127.0.0.1:5433/keel?sslmode=require")
        #expect(loopback.tls == .disable)
        let queryHosts = try DatabaseConfiguration(url: "postgres://u@/keel?host=a,b&port=5433")
        #expect(queryHosts.endpoint == .hosts([.init("a", port: 5433), .init("b", port: 5433)]))
    }

    @Test("ports as libpq reads them: the authority's beside a query host, an empty one is the default, passwords decoded")
    func portsAndPasswords() throws {
        #expect(try DatabaseConfiguration(url: "postgres://u@:5433/keel?host=/run/pg").endpoint == .unixSocket(path: "/run/pg/.s.PGSQL.5433"))
        #expect(try DatabaseConfiguration(url: "postgres://u@h:5433/keel?host=a,b").endpoint == .hosts([.init("a", port: 5433), .init("b", port: 5433)]))
        #expect(try DatabaseConfiguration(url: "postgres://u@db:/keel").endpoint == .tcp(host: "db", port: 5432))
        let config = try DatabaseConfiguration(url: "postgres://u:p%40s%3As%2C%25@db/keel")
        #expect(config.password == "p@s:s,%")
    }
}
