import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import KeelApp
import KeelTesting
import Kernel
import NIOCore
import PasswordHashing
import Storage
import Testing

/// A parsed JSON object from a response, read with subscripts: `body["owner"]["id"].string`.
struct JSON: @unchecked Sendable, CustomStringConvertible {
    let value: Any?

    init(_ value: Any?) { self.value = value }
    init(data: Data) { value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) }

    subscript(key: String) -> JSON { JSON((value as? [String: Any])?[key]) }
    subscript(index: Int) -> JSON {
        guard let array = value as? [Any], array.indices.contains(index) else { return JSON(nil) }
        return JSON(array[index])
    }
    var string: String? { value as? String }
    var int: Int? { (value as? NSNumber)?.intValue }
    var bool: Bool? { value as? Bool }
    var array: [JSON] { (value as? [Any])?.map(JSON.init) ?? [] }
    var keys: Set<String> { Set((value as? [String: Any])?.keys.map { $0 } ?? []) }
    var isNull: Bool { value == nil || value is NSNull }
    var description: String {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { return "nil" }
        return String(decoding: data, as: UTF8.self)
    }
}

struct APIResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    var json: JSON { JSON(data: Data(text.utf8)) }
    var code: String? { json["code"].string }
    subscript(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

/// A client for the JSON API of a live server (real HTTP on a free port).
struct API: Sendable {
    let client: any TestClientProtocol

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String? = nil,
              headers extra: [String: String] = [:], contentType: String? = "application/json") async throws -> APIResponse {
        var headers = HTTPFields()
        if json != nil, let contentType { headers[.contentType] = contentType }
        if let token { headers[.authorization] = "Bearer \(token)" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let response = try await client.answer(uri: path, method: method, headers: headers,
                                               body: json.map { ByteBuffer(string: $0) })
        return APIResponse(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// A tenant made through the API, with its owner logged in.
    struct Tenant: Sendable {
        let id: String
        let slug: String
        let ownerID: String
        let ownerEmail: String
        let token: String
    }

    static let password = "a sturdy test passphrase"

    static func uniqueSlug(_ prefix: String = "t") -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }

    func signUp(slug: String = API.uniqueSlug(), email: String? = nil) async throws -> Tenant {
        let email = email ?? "owner@\(slug).test"
        let signUp = try await call(.post, "/v1/signup", json: """
            {"tenant":{"slug":"\(slug)","name":"Tenant \(slug)"},
             "owner":{"email":"\(email)","password":"\(API.password)","name":"Owner"}}
            """)
        guard signUp.status == .created else { throw APIFailure("signup: \(signUp.status) \(signUp.text)") }
        let token = try await logIn(slug: slug, email: email)
        return Tenant(id: signUp.json["tenant"]["id"].string!, slug: slug,
                      ownerID: signUp.json["owner"]["id"].string!, ownerEmail: email, token: token)
    }

    func logIn(slug: String, email: String, password: String = API.password) async throws -> String {
        let login = try await call(.post, "/v1/sessions",
                                   json: #"{"tenant":"\#(slug)","email":"\#(email)","password":"\#(password)"}"#)
        guard login.status == .created, let token = login.json["token"].string else {
            throw APIFailure("login: \(login.status) \(login.text)")
        }
        return token
    }
}

extension API {
    /// Sends `count` copies of one POST at once, each on its own connection, and returns each
    /// response's status and the value of `header`.
    func concurrentPOSTs(_ count: Int, _ path: String, json: String, headers: [String: String] = [:],
                         reading header: String) async throws -> [(status: Int, header: String?)] {
        guard let port = client.port else { throw APIFailure("the live client has no port") }
        let fields = [("Content-Type", "application/json")] + headers.map { ($0.key, $0.value) }
        return try await LoopbackHTTP.sendAtOnce(count, "POST", "http://127.0.0.1:\(port)\(path)", body: Data(json.utf8),
                                                 headers: { _ in fields })
            .map { ($0.status, $0.header(header)) }
    }
}

extension TestClientProtocol {
    /// `execute`, or a failure naming the request once `limit` has passed without an answer,
    /// recorded at once. Hummingbird's test client gives up on a request after 20 s but then waits
    /// for its answer anyway, so a request the server never answered held its test, and the run,
    /// with nothing said (architecture note 79).
    func answer(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
                within limit: Duration = .seconds(60)) async throws -> TestResponse {
        let once = ResumeOnce()
        return try await withCheckedThrowingContinuation { continuation in
            once.hold(continuation)
            let timer = Task {
                try? await Task.sleep(for: limit)
                let failure = APIFailure("\(method) \(uri): no answer within \(limit)")
                if !Task.isCancelled, once.resume(with: .failure(failure)) { Issue.record(failure) }
            }
            Task {
                let result: Result<TestResponse, any Error>
                do { result = .success(try await self.execute(uri: uri, method: method, headers: headers, body: body)) }
                catch { result = .failure(error) }
                timer.cancel()
                _ = once.resume(with: result)
            }
        }
    }
}

/// A continuation resumed by whichever comes first, the answer or the time limit.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: CheckedContinuation<TestResponse, any Error>?

    func hold(_ continuation: CheckedContinuation<TestResponse, any Error>) {
        lock.withLock { waiting = continuation }
    }

    /// True if this resumed it.
    func resume(with result: Result<TestResponse, any Error>) -> Bool {
        let continuation = lock.withLock { () -> CheckedContinuation<TestResponse, any Error>? in
            defer { waiting = nil }
            return waiting
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}

struct APIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Starts Keel (the same `buildApplication` as `keel serve`) on a free port against the test
/// database, with cheap Argon2 and, unless a test sets them, no rate limits.
enum LiveAPI {
    static func config(_ db: TestDatabase, _ adjust: (inout KeelConfig) -> Void = { _ in }) -> KeelConfig {
        var config = HealthTests.config(db)
        config.argon2MemoryKiB = 1024
        config.argon2Iterations = 1
        config.argon2Parallelism = 1
        config.hashThreads = 2
        config.hashQueueDepth = 256
        config.rateLimitCredential = 0
        config.rateLimitTenant = 0
        config.rateLimitLoginAddress = 0
        config.rateLimitLoginAccount = 0
        // The test client keeps one connection and does not reconnect: a test that waits for
        // background work (an email, a webhook) longer than the 15 s an idle connection is kept
        // would find it closed. The timeout itself is the reliability battery's (hostile-input).
        config.httpHeadTimeoutSeconds = 120
        adjust(&config)
        return config
    }

    /// `database`: a database of the test's own (`TestDatabase.scratch`), for a test whose
    /// background work (the mail queue, say) must not be shared with servers of other tests.
    /// `clock`: the time the server reads; a test that moves a `ManualClock` moves every expiry.
    static func run(database: TestDatabase? = nil, clock: any WallClock = SystemClock(),
                    _ adjust: (inout KeelConfig) -> Void = { _ in },
                    _ body: @escaping @Sendable (API, TestDatabase) async throws -> Void) async throws {
        let db = if let database { database } else { try await TestDatabase.shared() }
        let app = try await buildApplication(config(db, adjust), clock: clock, logger: TestDatabase.logger)
        try await app.test(.live) { client in
            try await body(API(client: client), db)
        }
    }

    /// Adds a user with `role` to a tenant directly (the API has no invitations yet) and logs
    /// them in through the API; returns (user id, token).
    static func addUser(_ api: API, _ db: TestDatabase, to tenant: API.Tenant, role: Role,
                        email: String? = nil) async throws -> (id: String, token: String) {
        let email = email ?? "\(role.rawValue)-\(UInt32.random(in: 0...UInt32.max))@\(tenant.slug).test"
        let id = UserID.generate()
        let hash = try await TestHasher.shared.hash(API.password)
        try await db.database.tenant(TenantID(tenant.id)!) { tx in
            try await tx.execute("""
                insert into accounts.users (tenant_id, user_id, email, name, role, password_hash)
                values (\(tx.tenantID), \(id), \(email), \("User \(role.rawValue)"), \(role.rawValue), \(hash))
                """)
        }
        return (id.description, try await api.logIn(slug: tenant.slug, email: email))
    }
}
