import Crypto
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import PostgresPipeline
import ServiceLifecycle

// `floor [port]`: GET /healthz → {"status":"ok"} with the same headers a JSON body needs, and
// nothing else (no middleware, no logging per request): S7's floor.
//
// With FLOOR_PG_SOCKET (the cluster's socket directory; FLOOR_PG_USER, FLOOR_PG_DATABASE and
// FLOOR_POOL_SIZE beside it), also S1's read with nothing around it, at two round trips on two
// drivers (issue 21's driver floor). Both answer GET /nio/v1/users/{id} and /pq/v1/users/{id} with a bearer token: the
// session lookup (one round trip), a usable session of a role that may read, then the user's row
// as JSON (every column read as text, so both drivers pass strings through):
//   /nio/…  PostgresNIO (PostgresClient, prepared statements), which cannot pipeline, so each
//           round trip is one statement that sets its own scope: the lookup through
//           accounts.session_by_token_hash, the read through bench.s1_read (scripts/bench.sh
//           creates it);
//   /pq/…   libpq in pipeline mode (PipelinedPool): Keel's own statements in Keel's shape,
//           [platform scope; lookup] then [tenant scope; select] (`PQStatements`);
//   /wire/… the same statements in the same shape on PostgreSQL's protocol spoken on a NIO
//           channel (`WirePool`), the request resumed on the loop that reads its answers: the
//           floor of the next lever (docs/benchmarks.md, "The next lever, measured").
let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 8090
var logger = Logger(label: "floor")
logger.logLevel = .warning
let router = Router()
router.get("/healthz") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
}

let environment = ProcessInfo.processInfo.environment
var services: [any Service] = []
if let socket = environment["FLOOR_PG_SOCKET"] {
    let user = environment["FLOOR_PG_USER"] ?? "keel_app", database = environment["FLOOR_PG_DATABASE"] ?? "keel"
    let poolSize = environment["FLOOR_POOL_SIZE"].flatMap(Int.init) ?? 5

    var configuration = PostgresClient.Configuration(unixSocketPath: "\(socket)/.s.PGSQL.\(environment["FLOOR_PG_PORT"] ?? "5432")",
                                                     username: user, password: nil, database: database)
    configuration.options.maximumConnections = poolSize
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    services.append(ClientService(client: client))
    router.get("/nio/v1/users/:id") { request, context in
        guard let (hash, userID) = credentials(request, context) else { return unauthorized() }
        var session: (tenant: String, role: String, usable: Bool)?
        for try await row in try await client.execute(NIOLookup(tokenHash: hash), logger: logger) { session = row }
        guard let session, session.usable, readers.contains(session.role) else { return unauthorized() }
        var user: [String?]?
        for try await row in try await client.execute(NIORead(tenant: session.tenant, user: userID), logger: logger) { user = row }
        guard let user else { return notFound() }
        return userJSON(user)
    }

    let pool = try await PipelinedPool(conninfo: "host=\(socket) port=\(environment["FLOOR_PG_PORT"] ?? "5432") user=\(user) dbname=\(database)",
                                 size: poolSize, statements: PQStatements.all)
    router.get("/pq/v1/users/:id") { request, context in
        guard let (hash, userID) = credentials(request, context) else { return unauthorized() }
        let lookup = try await pool.run([("platform", []), ("lookup", [.bytea(hash)])])
        guard let session = lookup[1].first, session[2] == "true", let tenant = session[0], readers.contains(session[1] ?? "")
        else { return unauthorized() }
        let read = try await pool.run([("scope", [.text(tenant)]), ("find", [.uuid(tenant), .uuid(userID)])])
        guard let user = read[1].first else { return notFound() }
        return userJSON(user)
    }

    let types: [String: [Int32]] = ["platform": [], "lookup": [17], "scope": [25], "find": [2950, 2950]]  // bytea, text, uuid
    let wire = try await WirePool(socketPath: socket, user: user, database: database, size: poolSize,
                                  statements: PQStatements.all.map { ($0.name, $0.sql, types[$0.name]!) })
    router.get("/wire/v1/users/:id") { request, context in
        guard let (hash, userID) = credentials(request, context) else { return unauthorized() }
        let connection = leastLoaded(wire.connections, load: \.load)
        return try await withTaskExecutorPreference(connection.executor) {
            let lookup = try await connection.run([("platform", []), ("lookup", [hash])])
            guard let session = lookup[1].first, session[2] == "true", let tenant = session[0], readers.contains(session[1] ?? "")
            else { return unauthorized() }
            let read = try await connection.run([("scope", [Array(tenant.utf8)]), ("find", [uuidBytes(tenant), uuidBytes(userID)])])
            guard let user = read[1].first else { return notFound() }
            return userJSON(user)
        }
    }
}

/// A UUID's 16 bytes (PostgreSQL's binary format), or NULL for text that is not one.
func uuidBytes(_ text: String) -> [UInt8]? {
    UUID(uuidString: text).map { id in withUnsafeBytes(of: id.uuid) { Array($0) } }
}

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), services: services, logger: logger)
try await app.runService()
