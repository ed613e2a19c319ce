import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import KeelApp
import KeelTesting
import Kernel
import Testing

/// The running server, over real HTTP (`.live` starts it on a free port), built by the same
/// `buildApplication` that `keel serve` uses.
@Suite("Health, readiness and the request envelope")
struct HealthTests {
    static func config(_ db: TestDatabase) -> KeelConfig {
        var config = KeelConfig()
        config.port = 0
        config.databaseURL = db.databaseURL
        config.migrationDatabaseURL = db.migrationDatabaseURL
        config.encryptionKeys = TestDatabase.encryptionKeys
        config.migrationsDirectory = TestDatabase.migrationsDirectory.path
        config.templatesDirectory = TestDatabase.packageRoot.appendingPathComponent("Templates").path
        // Many test servers run side by side on one database: each is its own deployment, or
        // they would divide each other's rate limits.
        config.instanceGroup = "test-\(UUID().uuidString)"
        return config
    }

    @Test("/healthz and /readyz answer 200 on a migrated database")
    func healthAndReady() async throws {
        let db = try await TestDatabase.shared()
        let app = try await buildApplication(Self.config(db), logger: TestDatabase.logger)
        try await app.test(.live) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
            // A probe: under a loaded machine (CI starting fifty suites at once) its first answer can
            // be a moment's 503 while the new pool connects; ready within 30 s is the contract.
            var ready = try await client.execute(uri: "/readyz", method: .get)
            let deadline = ContinuousClock.now + .seconds(30)
            while ready.status != .ok, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
                ready = try await client.execute(uri: "/readyz", method: .get)
            }
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body) == #"{"database":"ok","migrations":"ok","status":"ok"}"#)
        }
    }

    @Test("/readyz answers 503 while migrations are missing", .enabled(if: TestDatabase.canMakeScratchDatabases))
    func notReadyWithoutMigrations() async throws {
        let scratch = try await TestDatabase.shared().scratch("unmigrated", migrate: false)
        let app = try await buildApplication(Self.config(scratch), logger: TestDatabase.logger)
        try await app.test(.live) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(String(buffer: ready.body).contains(#""migrations":"failing""#))
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test("every response carries a request id; a well-formed client id is echoed, a malformed one replaced")
    func requestIDs() async throws {
        let db = try await TestDatabase.shared()
        let app = try await buildApplication(Self.config(db), logger: TestDatabase.logger)
        try await app.test(.live) { client in
            let fresh = try await client.execute(uri: "/healthz", method: .get)
            let issued = try #require(fresh.headers[HTTPField.Name("X-Request-Id")!])
            #expect(UUID(uuidString: issued) != nil)

            let echoed = try await client.execute(uri: "/healthz", method: .get,
                                                  headers: [HTTPField.Name("X-Request-Id")!: "client-abc_123.4"])
            #expect(echoed.headers[HTTPField.Name("X-Request-Id")!] == "client-abc_123.4")

            let hostile = try await client.execute(uri: "/healthz", method: .get,
                                                   headers: [HTTPField.Name("X-Request-Id")!: "bad id\"<script>"])
            let replaced = try #require(hostile.headers[HTTPField.Name("X-Request-Id")!])
            #expect(replaced != "bad id\"<script>")
            #expect(UUID(uuidString: replaced) != nil)
        }
    }

    @Test("an unknown route is a problem+json 404 with the request id")
    func unknownRouteIsProblem() async throws {
        let db = try await TestDatabase.shared()
        let app = try await buildApplication(Self.config(db), logger: TestDatabase.logger)
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/v1/nothing-here", method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try JSONDecoder().decode([String: JSONValue].self, from: Data(String(buffer: response.body).utf8))
            #expect(problem["status"] == .number(404))
            #expect(problem["code"] == .string("not_found"))
            #expect(problem["request_id"] == .string(response.headers[HTTPField.Name("X-Request-Id")!] ?? "missing"))
        }
    }
}

/// Enough JSON to compare problem documents.
enum JSONValue: Decodable, Equatable {
    case string(String), number(Double), other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let s = try? container.decode(String.self) { self = .string(s) }
        else if let n = try? container.decode(Double.self) { self = .number(n) }
        else { self = .other }
    }
}
