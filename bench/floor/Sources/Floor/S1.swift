import Crypto
import Foundation
import Hummingbird
import PostgresNIO
import ServiceLifecycle

// MARK: - The S1 read

/// Roles with users.read (docs/rbac.md): all of them.
let readers: Set<String> = ["owner", "admin", "billing", "member", "viewer"]

func credentials(_ request: Request, _ context: BasicRequestContext) -> (hash: [UInt8], user: String)? {
    guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
          let user = context.parameters.get("id"), UUID(uuidString: user) != nil else { return nil }
    return (Array(SHA256.hash(data: Data(header.dropFirst(7).utf8))), user)
}

func unauthorized() -> Response { Response(status: .unauthorized) }
func notFound() -> Response { Response(status: .notFound) }

let userColumns = ["id", "tenant_id", "email", "name", "role", "status", "version", "created_at",
                   "email_verified_at", "mfa_enabled", "locked_at", "lock_reason"]

func userJSON(_ values: [String?]) -> Response {
    var json = "{"
    for (name, value) in zip(userColumns, values) {
        guard let value else { continue }
        if json.count > 1 { json += "," }
        json += "\"\(name)\":\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    json += "}"
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
}

/// The user's columns, each as text (so neither driver decodes anything but strings).
let selectText = """
    user_id::text, tenant_id::text, email::text, name, role::text, status::text, version::text, created_at::text,
    email_verified_at::text, (mfa_enabled_at is not null)::text, locked_at::text, lock_reason
    """

/// Keel's statements in the shape Keel sends them (docs/storage.md, "Round trips per operation"):
/// the session lookup as [platform scope, read-only; lookup] and the read as [tenant scope,
/// read-only; select], each one pipeline and one implicit transaction ending at its Sync. The
/// lookup is `SessionRows.lookup`'s join (bench/pg/session-lookup.sql), its columns read as text.
enum PQStatements {
    static let all: [(name: String, sql: String)] = [
        ("platform", """
            select set_config('app.platform', 'on', true), set_config('lock_timeout', '5s', true),
                   set_config('statement_timeout', '30s', true), set_config('transaction_read_only', 'on', true)
            """),
        ("lookup", """
            select s.tenant_id::text, u.role::text,
                   (u.status = 'active' and u.locked_at is null and t.status = 'active')::text as usable,
                   s.session_id::text, s.user_id::text, s.expires_at::text, s.last_seen_at::text,
                   (t.require_mfa and u.mfa_enabled_at is null)::text, t.billing_blocked::text
            from accounts.sessions s
            join accounts.users u on u.tenant_id = s.tenant_id and u.user_id = s.user_id
            join accounts.tenants t on t.tenant_id = s.tenant_id
            where s.token_hash = $1
            """),
        ("scope", """
            select set_config('app.tenant_id', $1, true), set_config('lock_timeout', '5s', true),
                   set_config('statement_timeout', '30s', true), set_config('transaction_read_only', 'on', true)
            """),
        ("find", "select \(selectText) from accounts.users where tenant_id = $1 and user_id = $2"),
    ]
}

struct NIOLookup: PostgresPreparedStatement {
    static let sql = "select tenant_id::text, role::text, usable from accounts.session_by_token_hash($1, '5000ms')"
    typealias Row = (tenant: String, role: String, usable: Bool)
    let tokenHash: [UInt8]
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(ByteBuffer(bytes: tokenHash))
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> (tenant: String, role: String, usable: Bool) {
        let (tenant, role, usable) = try row.decode((String, String, Bool).self)
        return (tenant, role, usable)
    }
}

struct NIORead: PostgresPreparedStatement {
    static let sql = "select * from bench.s1_read($1::uuid, $2::uuid)"
    typealias Row = [String?]
    let tenant: String, user: String
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(tenant)
        bindings.append(user)
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> [String?] {
        row.map { cell in try? cell.decode(String?.self) ?? nil }
    }
}

struct ClientService: Service {
    let client: PostgresClient
    func run() async throws { await cancelWhenGracefulShutdown { await client.run() } }
}
