import AccountsAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NIOCore
import NotificationsAPI
import TemplateEngine

/// The dashboard and the tenants: list (search, filters, sort, cursor), CSV export, detail,
/// suspension.
extension AdminConsole {
    struct DashboardPage: Encodable, Sendable {
        let tenants: Int
        let suspendedTenants: Int
        let users: Int
        let signUpsLast7Days: Int
        let failedLoginsLast24Hours: Int
        let outboxPending: Int
        let outboxDead: Int
        let outboxOldestPending: Date?
        let mailFailed: Int
    }

    func dashboard(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let figures = try await support.dashboard(session.principal)
        let outbox = try await outbox.health()
        let failedMail = try await notifications.deliveries(limit: 1000, status: .failed, recipient: nil).count
        return try page("dashboard", DashboardPage(
            tenants: figures.tenants, suspendedTenants: figures.suspendedTenants, users: figures.users,
            signUpsLast7Days: figures.signUpsLast7Days, failedLoginsLast24Hours: figures.failedLoginsLast24Hours,
            outboxPending: outbox.pending, outboxDead: outbox.deadLettered, outboxOldestPending: outbox.oldestPendingAt,
            mailFailed: failedMail), chrome: Chrome(session, section: "dashboard", notice: AdminNotice.text(request.query("done"))))
    }

    // MARK: List and export

    struct TenantFilters: Encodable, Sendable {
        var q = ""
        var status = ""
        var createdFrom = ""
        var createdTo = ""
        var sort = "newest"
    }

    struct TenantRow: Encodable, Sendable {
        let id: String
        let slug: String
        let name: String
        let status: String
        let ownerEmail: String?
        let users: Int
        let createdAt: Date
    }

    struct TenantsPage: Encodable, Sendable {
        let filters: TenantFilters
        let statusOptions: [Option]
        let sortOptions: [Option]
        let rows: [TenantRow]
        let nextURL: String?
        let exportURL: String
        let firstURL: String?
        /// Bulk suspend / reactivate.
        var canBulk = false
    }

    func tenants(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        var chrome = Chrome(session, section: "tenants")
        let (filters, query, problems) = Self.tenantQuery(request)
        let exportURL = "/admin/tenants.csv?" + Self.queryString(filters)
        if !problems.isEmpty {
            chrome.error = problems.joined(separator: " ")
            return try page("tenants", TenantsPage(filters: filters, statusOptions: Self.statusOptions(filters), sortOptions: Self.sortOptions(filters), rows: [], nextURL: nil, exportURL: exportURL, firstURL: nil),
                            chrome: chrome, status: .unprocessableContent)
        }
        let after = request.query("after")
        let found = try await support.tenants(session.principal, query: query, after: after, limit: 50)
        let rows = found.items.map { summary in
            TenantRow(id: summary.tenant.id.description, slug: summary.tenant.slug, name: summary.tenant.name,
                      status: summary.tenant.status.rawValue, ownerEmail: summary.ownerEmail, users: summary.users,
                      createdAt: summary.tenant.createdAt)
        }
        let base = Self.queryString(filters)
        return try page("tenants", TenantsPage(
            filters: filters, statusOptions: Self.statusOptions(filters), sortOptions: Self.sortOptions(filters), rows: rows,
            nextURL: found.nextCursor.map { "/admin/tenants?\(base)&after=\(Self.encode($0))" }, exportURL: exportURL,
            firstURL: after == nil ? nil : "/admin/tenants?\(base)", canBulk: session.principal.can(.tenantsSuspend)), chrome: chrome)
    }

    /// The whole filtered list as CSV, written as it is read (a big platform never sits in memory).
    func tenantsCSV(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let (filters, query, problems) = Self.tenantQuery(request)
        if !problems.isEmpty { throw AppError(.invalidInput, problems.joined(separator: " ")) }
        let (support, principal) = (self.support, session.principal)
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "id,slug,name,status,owner_email,users,created_at\r\n"))
            // Page by page, each its own short transaction: memory stays flat and no transaction
            // waits on a slow reader.
            var cursor: String?
            repeat {
                let page = try await support.tenants(principal, query: query, after: cursor, limit: 500)
                try await writer.write(ByteBuffer(string: page.items.map(CSV.row).joined()))
                cursor = page.nextCursor
            } while cursor != nil
            try await support.recordAction(principal, tenantID: nil, action: AccountsAuditAction.staffTenantsExported,
                                           target: "tenants?\(Self.queryString(filters))", reason: nil)
            try await writer.finish(nil)
        }
        let stamp = ISO8601DateFormatter().string(from: clock.now).prefix(10)
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"keel-tenants-\(stamp).csv\""],
                        body: body)
    }

    /// The list's filters from the query string, as typed (for the form) and as a query; bad
    /// values are named, not guessed at.
    static func tenantQuery(_ request: Request) -> (TenantFilters, TenantQuery, [String]) {
        tenantQuery { request.query($0) }
    }

    /// The filters, read through `value` (the address's query, or a bulk form's `filter_…` fields).
    static func tenantQuery(_ value: (String) -> String?) -> (TenantFilters, TenantQuery, [String]) {
        var filters = TenantFilters()
        var query = TenantQuery()
        var problems: [String] = []
        if let q = value("q") {
            filters.q = q
            query.text = String(q.prefix(200))
        }
        if let status = value("status") {
            filters.status = status
            if let parsed = Tenant.Status(rawValue: status) { query.status = parsed } else {
                problems.append("The status must be active or suspended.")
            }
        }
        if let sort = value("sort") {
            filters.sort = sort
            if let parsed = TenantQuery.Sort(rawValue: sort) { query.sort = parsed } else {
                problems.append("Sort by newest, oldest, name or slug.")
            }
        }
        if let from = value("created_from") {
            filters.createdFrom = from
            if let date = Self.day(from) { query.createdFrom = date } else {
                problems.append("'Created from' must be a date like 2026-11-21.")
            }
        }
        if let to = value("created_to") {
            filters.createdTo = to
            // The end day counts whole: up to the start of the next day.
            if let date = Self.day(to) { query.createdBefore = date.addingTimeInterval(86_400) } else {
                problems.append("'Created to' must be a date like 2026-11-21.")
            }
        }
        return (filters, query, problems)
    }

    static func statusOptions(_ filters: TenantFilters) -> [Option] {
        Option.list([("", "Any"), ("active", "Active"), ("suspended", "Suspended")], selected: filters.status)
    }

    static func sortOptions(_ filters: TenantFilters) -> [Option] {
        Option.list([("newest", "Newest first"), ("oldest", "Oldest first"), ("name", "Name"), ("slug", "Slug")],
                    selected: filters.sort)
    }

    static func queryString(_ filters: TenantFilters) -> String {
        queryString([("q", filters.q), ("status", filters.status), ("created_from", filters.createdFrom),
                     ("created_to", filters.createdTo), ("sort", filters.sort)])
    }

    /// `name=value&…` of the fields that are set, values percent-encoded: for page links that
    /// keep a list's filters.
    static func queryString(_ fields: [(name: String, value: String)]) -> String {
        fields.filter { !$0.value.isEmpty }.map { "\($0.name)=\(encode($0.value))" }.joined(separator: "&")
    }

    /// A value for a page link's query: RFC 3986's unreserved characters kept, every other byte
    /// percent-encoded, as the template engine encodes values later in a URL.
    static func encode(_ value: String) -> String { PercentEncoding.encode(value) }

    /// `yyyy-MM-dd` (what `<input type="date">` sends), as the start of that day in UTC.
    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1970...9999).contains(y), (1...12).contains(m), (1...31).contains(d) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: y, month: m, day: d)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }

    // MARK: Detail

    struct TenantView: Encodable, Sendable {
        let id: String
        let slug: String
        let name: String
        let status: String
        let statusReason: String?
        let requireMFA: Bool
        let version: Int
        let createdAt: Date

        init(_ tenant: Tenant, statusReason: String? = nil) {
            id = tenant.id.description
            slug = tenant.slug
            name = tenant.name
            status = tenant.status.rawValue
            self.statusReason = statusReason
            requireMFA = tenant.requireMFA
            version = tenant.version
            createdAt = tenant.createdAt
        }
    }

    static func seats(_ seats: (limit: Int?, extra: Int, used: Int)) -> String {
        guard let limit = seats.limit else { return "\(seats.used) in use, unlimited" }
        let bought = seats.extra > 0 ? ", \(seats.extra) bought" : ""
        return "\(seats.used) of \(limit + seats.extra) in use (\(limit) on the plan\(bought))"
    }

    struct UserRow: Encodable, Sendable {
        let id: String
        let email: String
        let name: String
        let role: String
        let state: String
        let verified: Bool
        let mfa: Bool
        let createdAt: Date
    }

    struct TenantPage: Encodable, Sendable {
        let tenant: TenantView
        let users: [UserRow]
        let events: [AuditRow]
        let canSuspend: Bool
        let canExport: Bool
        /// Bulk actions on the users (lock, unlock, resend verification).
        let canSupport: Bool
        let conflict: Bool
        let billing: BillingView
        /// "3 of 10 (5 on the plan, 5 bought)", or "3, unlimited".
        let seats: String
    }

    func tenant(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let id = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        return try await tenantPage(session, id, notice: AdminNotice.text(request.query("done")))
    }

    func setTenantStatus(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .tenantsSuspend)
        let id = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        guard let status = form["status"].flatMap(Tenant.Status.init(rawValue:)) else {
            throw AppError(.invalidInput, "Choose whether to suspend or reactivate the tenant.")
        }
        do {
            let expected = try form.version()
            let after = try await support.setTenantStatus(session.principal, id: id, status: status,
                                                          reason: form["reason"] ?? "", shareReason: form["share_reason"] == "on",
                                                          expectedVersion: expected)
            let notice = after.version == expected ? "unchanged" : (status == .suspended ? "suspended" : "reactivated")
            return redirect("/admin/tenants/\(id)", done: notice)
        } catch let error as AppError where error.code == .versionMismatch {
            return try await tenantPage(session, id, conflict: true, status: .conflict)
        } catch let error as AppError where error.code == .validationFailed {
            return try await tenantPage(session, id, error: error.detail, status: .unprocessableContent)
        }
    }

    /// Every row the tenant owns, as the operator's `keel tenants export` writes it: a reason
    /// first (audited before a byte is sent), then the file, streamed as it is read.
    func exportTenant(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .tenantsExport)
        let id = try Self.id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound)
        let detail = try await support.tenantDetail(session.principal, id: id)
        let reason: StaffReason
        do {
            reason = try StaffReason(form["reason"] ?? "")
        } catch let error as AppError {
            return try await tenantPage(session, id, error: Self.sentence(error), status: .unprocessableContent)
        }
        try await support.recordAction(session.principal, tenantID: id, action: PlatformAuditAction.tenantExported,
                                       target: "tenant/\(id)", reason: reason.value)
        let exporter = self.exporter
        let body = ResponseBody { writer in
            var buffer = ByteBuffer()
            _ = try await exporter.export(id) { line in
                buffer.writeString(line)
                buffer.writeInteger(UInt8(ascii: "\n"))
                if buffer.readableBytes >= 64 * 1024 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            try await writer.write(buffer)
            try await writer.finish(nil)
        }
        let stamp = ISO8601DateFormatter().string(from: clock.now).prefix(10)
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson",
                                               .contentDisposition: "attachment; filename=\"keel-tenant-\(detail.tenant.slug)-\(stamp).ndjson\""],
                        body: body)
    }

    func tenantPage(_ session: StaffSession, _ id: TenantID, notice: String? = nil, error: String? = nil,
                            conflict: Bool = false, status: HTTPResponse.Status = .ok) async throws -> Response {
        let detail = try await support.tenantDetail(session.principal, id: id)
        var chrome = Chrome(session, section: "tenants", notice: notice)
        chrome.error = error
        return try page("tenant", TenantPage(
            tenant: TenantView(detail.tenant, statusReason: detail.statusReason),
            users: detail.users.map(Self.userRow), events: detail.recentEvents.map(AuditRow.init),
            canSuspend: session.principal.can(.tenantsSuspend), canExport: session.principal.can(.tenantsExport),
            canSupport: session.principal.can(.accountSupport), conflict: conflict,
            billing: try await billingView(session, id), seats: Self.seats(detail.seats)), chrome: chrome, status: status)
    }

    static func userRow(_ user: User) -> UserRow {
        UserRow(id: user.id.description, email: user.email, name: user.name, role: user.role.rawValue, state: state(of: user),
                verified: user.emailVerified, mfa: user.mfaEnabled, createdAt: user.createdAt)
    }

    /// What support needs to know first: locked wins over the tenant's own status.
    static func state(of user: User) -> String {
        user.lockedAt != nil ? "locked" : user.status.rawValue
    }
}

/// RFC 4180 fields, and no spreadsheet formulas: a cell that a spreadsheet would run
/// (`=`, `+`, `-`, `@` first) gets a leading apostrophe, so a tenant named `=HYPERLINK(…)`
/// stays text when support opens the export.
enum CSV {
    static func row(_ summary: TenantSummary) -> String {
        [summary.tenant.id.description, summary.tenant.slug, summary.tenant.name, summary.tenant.status.rawValue,
         summary.ownerEmail ?? "", String(summary.users), summary.tenant.createdAt.formatted(.iso8601)]
            .map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
