@testable import Accounts
import AccountsAPI
import Foundation
import HTTPTypes
import HummingbirdTesting
import KeelTesting
import Kernel
import NIOCore
import PasswordHashing
import Storage

/// One `Set-Cookie` header, parsed: `name=value; Attr=x; Flag`.
struct SetCookie: Sendable, Equatable {
    let name: String
    let value: String
    /// Attributes by lower-cased name; flags (`Secure`, `HttpOnly`) have an empty value.
    let attributes: [String: String]

    init?(header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, let equals = first.firstIndex(of: "=") else { return nil }
        name = String(first[..<equals])
        value = String(first[first.index(after: equals)...])
        var attributes: [String: String] = [:]
        for part in parts.dropFirst() where !part.isEmpty {
            if let sign = part.firstIndex(of: "=") {
                attributes[part[..<sign].lowercased()] = String(part[part.index(after: sign)...])
            } else {
                attributes[part.lowercased()] = ""
            }
        }
        self.attributes = attributes
    }

    subscript(_ attribute: String) -> String? { attributes[attribute.lowercased()] }
    func has(_ flag: String) -> Bool { attributes[flag.lowercased()] != nil }
    var maxAge: Int? { self["Max-Age"].flatMap { Int($0) } }
    /// `Max-Age=0`: the browser drops the cookie.
    var clears: Bool { (maxAge ?? 1) <= 0 }
}

extension APIResponse {
    var location: String? { headers[.location] }
    var contentType: String? { headers[.contentType] }
    var isHTML: Bool { contentType?.lowercased().hasPrefix("text/html") == true }
    /// Every `Set-Cookie` of the response (there may be several).
    var setCookies: [SetCookie] { headers[values: .setCookie].compactMap { SetCookie(header: $0) } }
    func setCookie(named name: String) -> SetCookie? { setCookies.last { $0.name == name } }
    /// A 303 to exactly `path`.
    func redirects(to path: String) -> Bool { status == .seeOther && location == path }
}

/// A staff member who has completed their first sign-in, with a signed-in console client.
struct StaffLogin: Sendable {
    let id: String
    let email: String
    let password: String
    /// The TOTP secret enrolled at setup (base32), for computing codes like an authenticator app.
    let totpSecret: String
    let client: AdminClient
}

/// A browser for the staff console, on top of the live test client (which follows no
/// redirects and keeps no cookies): a cookie jar fed by `Set-Cookie`, the CSRF token of the
/// last page that had one, urlencoded forms, and `Sec-Fetch-Site: same-origin` like a real
/// browser posting a form of the same site.
///
/// Used from one task at a time (a test's body), hence `@unchecked Sendable`.
final class AdminClient: @unchecked Sendable {
    static let sessionCookie = "__Host-keel_admin"
    static let signInCookie = "__Host-keel_login"
    /// The password every helper-made staff member chooses at setup (long, not a common one).
    static let staffPassword = "a sturdy staff passphrase"
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    let api: API
    private(set) var cookies: [String: String] = [:]
    /// The `csrf` hidden field of the last HTML page that had one.
    private(set) var csrf: String?

    init(_ api: API) { self.api = api }

    var sessionToken: String? { cookies[Self.sessionCookie] }

    /// Sets (or, with `nil`, removes) a cookie by hand: to replay an old token, say.
    func setCookie(_ name: String, to value: String?) { cookies[name] = value }

    // MARK: Requests

    @discardableResult
    func get(_ path: String, headers extra: [String: String] = [:]) async throws -> APIResponse {
        var headers = HTTPFields()
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await send(.get, path, headers: headers, body: nil)
    }

    /// Posts `form` urlencoded. The page's CSRF token is added unless the form has a `csrf`
    /// already or `includeCSRF` is false. `fetchSite` is the `Sec-Fetch-Site` header (`nil`:
    /// none, like an old browser or a script); `headers` are added last and win.
    @discardableResult
    func post(_ path: String, form: [String: String] = [:], headers extra: [String: String] = [:],
              includeCSRF: Bool = true, fetchSite: String? = "same-origin") async throws -> APIResponse {
        var fields = form
        if includeCSRF, fields["csrf"] == nil, let csrf { fields["csrf"] = csrf }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let fetchSite { headers[Self.secFetchSite] = fetchSite }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await send(.post, path, headers: headers, body: ByteBuffer(string: Self.formBody(fields)))
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields,
                      body: ByteBuffer?) async throws -> APIResponse {
        var headers = headers
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        let raw = try await api.client.answer(uri: path, method: method, headers: headers, body: body)
        let response = APIResponse(status: raw.status, headers: raw.headers, text: String(buffer: raw.body))
        for cookie in response.setCookies {
            cookies[cookie.name] = cookie.clears || cookie.value.isEmpty ? nil : cookie.value
        }
        if response.isHTML, let token = Self.capture(#"name="csrf" value="([^"]+)""#, in: response.text) {
            csrf = token
        }
        return response
    }

    // MARK: Signing in

    /// The password step: the form (for its CSRF cookie and token), then the credentials.
    @discardableResult
    func submitPassword(email: String, password: String) async throws -> APIResponse {
        let form = try await get("/admin/login")
        guard form.status == .ok else { throw APIFailure("GET /admin/login: \(form.status) \(form.text)") }
        return try await post("/admin/login", form: ["email": email, "password": password])
    }

    /// The whole sign-in of a member who has completed setup: password, then a TOTP code.
    /// The code is for the step after the current one by default: the server accepts one
    /// step of drift, and the current step may have been used by the member's setup already
    /// (each step works once per member). Two sign-ins of one member within one 30 s step
    /// would need a wait.
    func signIn(email: String, password: String = AdminClient.staffPassword, totpSecret: String,
                stepOffset: Int64 = 1) async throws {
        let accepted = try await submitPassword(email: email, password: password)
        try Self.expectRedirect(accepted, to: "/admin/login/totp", "password step of \(email)")
        let page = try await get("/admin/login/totp")
        guard page.status == .ok else { throw APIFailure("GET /admin/login/totp: \(page.status) \(page.text)") }
        let confirmed = try await post("/admin/login/totp", form: ["code": try Self.totp(totpSecret, offset: stepOffset)])
        try Self.expectRedirect(confirmed, to: "/admin", "TOTP step of \(email)")
        try await openDashboard()
    }

    /// The first sign-in with a one-time password: the setup page's secret, a new password,
    /// a code. Returns the enrolled TOTP secret.
    @discardableResult
    func firstSignIn(email: String, oneTimePassword: String,
                     newPassword: String = AdminClient.staffPassword) async throws -> String {
        let accepted = try await submitPassword(email: email, password: oneTimePassword)
        try Self.expectRedirect(accepted, to: "/admin/setup", "first password step of \(email)")
        let setup = try await get("/admin/setup")
        guard setup.status == .ok, let secret = Self.totpSecret(in: setup.text) else {
            throw APIFailure("GET /admin/setup: \(setup.status) \(setup.text)")
        }
        let done = try await post("/admin/setup", form: ["new_password": newPassword, "new_password_confirm": newPassword,
                                                         "code": try Self.totp(secret)])
        try Self.expectRedirect(done, to: "/admin", "setup of \(email)")
        try await openDashboard()
        return secret
    }

    /// After sign-in: the dashboard, which also gives the active session's CSRF token.
    private func openDashboard() async throws {
        let dashboard = try await get("/admin")
        guard dashboard.status == .ok else { throw APIFailure("GET /admin after sign-in: \(dashboard.status) \(dashboard.text)") }
    }

    private static func expectRedirect(_ response: APIResponse, to path: String, _ what: String) throws {
        guard response.redirects(to: path) else {
            throw APIFailure("\(what): expected 303 to \(path), got \(response.status) to \(response.location ?? "nowhere"): \(response.text)")
        }
    }

    // MARK: Staff

    static func uniqueEmail(_ prefix: String = "staff") -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))@keel-staff.test"
    }

    /// A staff member created the way `keel staff create` does (no actor), not signed in yet.
    static func createStaff(_ db: TestDatabase, role: StaffRole,
                            email: String? = nil) async throws -> (id: String, email: String, oneTimePassword: String) {
        let module = StaffModule(db: db.database, platform: db.platform, hasher: TestHasher.shared)
        let created = try await module.createStaff(email: email ?? uniqueEmail(role.rawValue), name: "Staff \(role.rawValue)",
                                                   role: role, by: nil)
        return (created.member.id.description, created.member.email, created.oneTimePassword)
    }

    /// A new staff member with `role` who has completed setup, and a client signed in as them.
    static func makeStaff(_ api: API, _ db: TestDatabase, role: StaffRole) async throws -> StaffLogin {
        let created = try await createStaff(db, role: role)
        let client = AdminClient(api)
        let secret = try await client.firstSignIn(email: created.email, oneTimePassword: created.oneTimePassword)
        return StaffLogin(id: created.id, email: created.email, password: staffPassword, totpSecret: secret, client: client)
    }

    // MARK: TOTP

    /// The code an authenticator app shows for `secret`, `offset` steps from now.
    /// The clock of the server under test, for TOTP codes. A test whose server runs on a
    /// `ManualClock` sets it (`BillingAPITests.run` does): that clock stands still while the test
    /// runs, so a code from the wall's time would fail once the suite is slow enough for the two
    /// to be more than a step apart.
    @TaskLocal static var serverClock: any WallClock = SystemClock()

    static func totp(_ secret: String, offset: Int64 = 0) throws -> String {
        guard let key = Base32.decode(secret) else { throw APIFailure("not base32: \(secret)") }
        return TOTP(secret: key).code(atStep: TOTP.step(at: serverClock.now) + offset)
    }

    /// Six digits that are none of the codes the server could accept around now.
    static func wrongCode(_ secret: String) throws -> String {
        let near = Set(try (-3...3).map { try totp(secret, offset: Int64($0)) })
        return (0...9).map { String(repeating: String($0), count: 6) }.first { !near.contains($0) }!
    }

    // MARK: Reading pages

    /// The first capture group of `pattern` in `text` (`.` matches newlines too).
    static func capture(_ pattern: String, in text: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
              let match = regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)),
              match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }

    static func totpSecret(in html: String) -> String? {
        capture(#"<code id="totp-secret">([^<]+)</code>"#, in: html)
    }

    static func oneTimePassword(in html: String) -> String? {
        capture(#"<code id="one-time-password">([^<]+)</code>"#, in: html)
    }

    /// The record version a tenant or user page shows (`<dt>Version</dt><dd>3</dd>`).
    static func version(in html: String) -> Int? {
        capture(#"<dt>Version</dt><dd>(\d+)</dd>"#, in: html).flatMap { Int($0) }
    }

    /// The state of a badge by element id: `tenant-status` or `user-status` → `active`, `locked`…
    static func badge(_ id: String, in html: String) -> String? {
        capture(#"id="\#(id)" class="badge badge-([a-z_-]+)""#, in: html)
    }

    /// A member's row of the staff page.
    struct StaffListEntry: Equatable {
        /// From the row's forms; `nil` for a deactivated member (their row has none).
        let id: String?
        let role: String?
        let status: String?
        let version: Int?
    }

    static func staffEntry(_ email: String, in html: String) -> StaffListEntry? {
        guard let row = html.components(separatedBy: "<tr>").first(where: {
            $0.contains("<td>\(email)</td>") || $0.contains("<td>\(email) (you)</td>")
        }) else { return nil }
        return StaffListEntry(id: capture(#"/admin/staff/([0-9a-f-]{36})/"#, in: row),
                              role: capture(#"<td>(support|billing-ops|admin)</td>"#, in: row),
                              status: capture(#"class="badge badge-([a-z]+)""#, in: row),
                              version: capture(#"name="version" value="(\d+)""#, in: row).flatMap { Int($0) })
    }

    // MARK: Encoding

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but RFC 3986's unreserved characters (for forms and query strings).
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    static func formBody(_ form: [String: String]) -> String {
        form.sorted { $0.key < $1.key }.map { "\(encode($0.key))=\(encode($0.value))" }.joined(separator: "&")
    }
}

extension API {
    /// A tenant signed up with a name and owner of the test's choosing (JSON-encoded properly,
    /// so any text goes), its owner logged in.
    func signUpNamed(slug: String, name: String, ownerName: String = "Owner", email: String) async throws -> API.Tenant {
        let request: [String: Any] = ["tenant": ["slug": slug, "name": name],
                                      "owner": ["email": email, "password": API.password, "name": ownerName]]
        let signUp = try await call(.post, "/v1/signup", json: try Self.json(request))
        guard signUp.status == .created, let id = signUp.json["tenant"]["id"].string,
              let ownerID = signUp.json["owner"]["id"].string else {
            throw APIFailure("signup: \(signUp.status) \(signUp.text)")
        }
        let login = try await call(.post, "/v1/sessions", json: try Self.json(["tenant": slug, "email": email, "password": API.password]))
        guard login.status == .created, let token = login.json["token"].string else {
            throw APIFailure("login: \(login.status) \(login.text)")
        }
        return API.Tenant(id: id, slug: slug, ownerID: ownerID, ownerEmail: email, token: token)
    }

    /// The status of a password login of the tenant's owner: 201 when it works.
    func logInStatus(_ tenant: API.Tenant) async throws -> HTTPResponse.Status {
        try await call(.post, "/v1/sessions",
                       json: try Self.json(["tenant": tenant.slug, "email": tenant.ownerEmail, "password": API.password])).status
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
