import AccountsAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NotificationsAPI

/// Find anything, the audit log, mail, and the staff list.
extension AdminConsole {
    // MARK: Find

    struct FoundUser: Encodable, Sendable {
        let user: UserRow
        let tenantID: String
        let tenantSlug: String
        let tenantName: String
    }

    struct FindPage: Encodable, Sendable {
        let q: String
        let searched: Bool
        let tenants: [TenantView]
        let users: [FoundUser]
    }

    func find(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        var chrome = Chrome(session, section: "find")
        guard let q = request.query("q") else {
            return try page("find", FindPage(q: "", searched: false, tenants: [], users: []), chrome: chrome)
        }
        do {
            let found = try await support.find(session.principal, query: q)
            return try page("find", FindPage(
                q: q, searched: true,
                tenants: found.tenants.map { TenantView($0) },
                users: found.users.map { FoundUser(user: Self.userRow($0.user), tenantID: $0.tenant.id.description,
                                                   tenantSlug: $0.tenant.slug, tenantName: $0.tenant.name) }),
                chrome: chrome)
        } catch let error as AppError where error.code == .validationFailed {
            chrome.error = error.detail
            return try page("find", FindPage(q: q, searched: false, tenants: [], users: []), chrome: chrome,
                            status: .unprocessableContent)
        }
    }

    // MARK: Audit log

    struct AuditFilters: Encodable, Sendable {
        var actor = ""
        var tenant = ""
        var action = ""
        var from = ""
        var to = ""
    }

    struct AuditPage: Encodable, Sendable {
        let filters: AuditFilters
        let rows: [AuditRow]
        let nextURL: String?
    }

    func audit(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        var chrome = Chrome(session, section: "audit")
        var filters = AuditFilters()
        var query = AuditQuery()
        var problems: [String] = []
        if let actor = request.query("actor") { filters.actor = actor; query.actor = actor }
        if let tenant = request.query("tenant") { filters.tenant = tenant; query.tenant = tenant }
        if let action = request.query("action") { filters.action = action; query.action = String(action.prefix(100)) }
        if let from = request.query("from") {
            filters.from = from
            if let date = Self.day(from) { query.from = date } else { problems.append("'From' must be a date like 2026-11-21.") }
        }
        if let to = request.query("to") {
            filters.to = to
            if let date = Self.day(to) { query.to = date.addingTimeInterval(86_400) } else {
                problems.append("'To' must be a date like 2026-11-21.")
            }
        }
        let base = Self.queryString([("actor", filters.actor), ("tenant", filters.tenant), ("action", filters.action),
                                     ("from", filters.from), ("to", filters.to)])
        do {
            guard problems.isEmpty else { throw AppError(.invalidInput, problems.joined(separator: " ")) }
            let page = try await support.auditLog(session.principal, query: query,
                                                  page: PageRequest(limit: 50, startingAfter: request.query("after")))
            return try self.page("audit", AuditPage(filters: filters, rows: page.items.map(AuditRow.init),
                                                    nextURL: page.nextCursor.map { "/admin/audit?\(base)&after=\($0)" }),
                                 chrome: chrome)
        } catch let error as AppError where error.code.kind == .invalidInput {
            chrome.error = error.detail
            return try page("audit", AuditPage(filters: filters, rows: [], nextURL: nil), chrome: chrome,
                            status: .unprocessableContent)
        }
    }

    // MARK: Mail

    struct DeliveryRow: Encodable, Sendable {
        let id: String
        let kind: String
        let recipient: String
        let subject: String
        let status: String
        let attempts: Int
        let lastError: String?
        let createdAt: Date
        let sentAt: Date?
        let inMailbox: Bool
    }

    struct MailPage: Encodable, Sendable {
        let statusOptions: [Option]
        let recipient: String
        let deliveries: [DeliveryRow]
        let canRetry: Bool
    }

    func mail(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        var chrome = Chrome(session, section: "mail", notice: AdminNotice.text(request.query("done")))
        var status: Delivery.Status?
        if let text = request.query("status") {
            status = Delivery.Status(rawValue: text)
            if status == nil { chrome.error = "The status must be queued, sent or failed." }
        }
        let recipient = request.query("to")?.trimmingCharacters(in: .whitespaces)
        let deliveries = try await notifications.deliveries(limit: 100, status: status, recipient: recipient?.isEmpty == false ? recipient : nil)
        let mailbox = Set(try await notifications.mailbox(limit: 500, recipient: nil).map(\.id))
        return try page("mail", MailPage(
            statusOptions: Option.list([("", "Any"), ("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")],
                                       selected: status?.rawValue ?? ""),
            recipient: recipient ?? "",
            deliveries: deliveries.map { delivery in
                DeliveryRow(id: delivery.id.description, kind: delivery.kind, recipient: delivery.recipient,
                            subject: delivery.subject, status: delivery.status.rawValue, attempts: delivery.attempts,
                            lastError: delivery.lastError, createdAt: delivery.createdAt, sentAt: delivery.sentAt,
                            inMailbox: mailbox.contains(delivery.id))
            }, canRetry: session.principal.can(.accountSupport)), chrome: chrome)
    }

    struct MessagePage: Encodable, Sendable {
        let id: String
        let recipient: String
        let subject: String
        let text: String
        let mime: String
        let deliveredAt: Date
    }

    func mailMessage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let id = try Self.id(context, "message", as: MessageID.self, notFound: .messageNotFound)
        guard let message = try await notifications.mailboxMessage(id) else {
            throw AppError(.messageNotFound, "That message is not in the development mailbox.")
        }
        // The HTML part is shown as its source text, never rendered: it is the customer's data.
        return try page("mail_message", MessagePage(id: message.id.description, recipient: message.recipient,
                                                    subject: message.subject, text: message.text, mime: message.mime,
                                                    deliveredAt: message.deliveredAt),
                        chrome: Chrome(session, section: "mail"))
    }

    func retryMail(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, _) = try await posted(request, context, needs: .accountSupport)
        let id = try Self.id(context, "message", as: MessageID.self, notFound: .messageNotFound)
        let tenantID = try await notifications.retry(id)
        try await support.recordAction(session.principal, tenantID: tenantID, action: NotificationsAuditAction.mailRetried,
                                       target: "message/\(id)", reason: nil)
        return redirect("/admin/mail", done: "retried")
    }

    // MARK: Staff

    struct StaffRow: Encodable, Sendable {
        let id: String
        let email: String
        let name: String
        let role: String
        let status: String
        let mfa: Bool
        let pendingFirstSignIn: Bool
        let version: Int
        let isMe: Bool
        let createdAt: Date
        let roleOptions: [Option]
    }

    struct StaffPage: Encodable, Sendable {
        let members: [StaffRow]
        let roleOptions: [Option]
        let created: CreatedStaff?
    }

    struct CreatedStaff: Encodable, Sendable {
        let email: String
        let oneTimePassword: String
        /// An admin's reset of an existing member, rather than a new one.
        var reset = false
    }

    func staffList(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context, needs: .staffManage)
        return try await staffPage(session, notice: AdminNotice.text(request.query("done")))
    }

    func createStaff(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .staffManage)
        do {
            guard let role = form["role"].flatMap(StaffRole.init(rawValue:)) else {
                throw AppError(.invalidInput, "Choose a role: support, billing-ops or admin.")
            }
            let email = try form.required("email", "The email address")
            if form["delivery"] != "password" {
                _ = try await staff.inviteStaff(email: email, name: form["name"] ?? "", role: role, by: session.principal)
                return redirect("/admin/staff", done: "invited")
            }
            let created = try await staff.createStaff(email: email, name: form["name"] ?? "", role: role, by: session.principal)
            // Shown once, on this response only (never redirected to, never stored in clear).
            return try await staffPage(session, created: CreatedStaff(email: created.member.email,
                                                                      oneTimePassword: created.oneTimePassword))
        } catch let error as AppError where error.code.kind == .invalidInput || error.code.kind == .conflict {
            return try await staffPage(session, error: error.detail,
                                       status: error.code.kind == .conflict ? .conflict : .unprocessableContent)
        }
    }

    func changeStaffRole(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await staffAction(request, context) { session, form, id in
            guard let role = form["role"].flatMap(StaffRole.init(rawValue:)) else {
                throw AppError(.invalidInput, "Choose a role: support, billing-ops or admin.")
            }
            let expected = try form.version()
            let updated = try await staff.changeStaffRole(session.principal, id: id, role: role, expectedVersion: expected)
            return updated.version == expected ? "unchanged" : "role_changed"
        }
    }

    /// A member who lost their password or authenticator: a new one-time password, shown on
    /// this response only; their TOTP, recovery codes and sessions are gone.
    func resetStaff(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .staffManage)
        let id = try Self.id(context, "staff", as: StaffID.self, notFound: .staffNotFound)
        do {
            let reset = try await staff.resetStaff(session.principal, id: id, reason: form["reason"] ?? "", expectedVersion: try form.version())
            return try await staffPage(session, created: CreatedStaff(email: reset.member.email, oneTimePassword: reset.oneTimePassword,
                                                                      reset: true))
        } catch let error as AppError where error.code == .versionMismatch {
            return try await staffPage(session, error: "Someone changed this staff member while you were looking; here is the list as it is now. Check and try again.",
                                       status: .conflict)
        } catch let error as AppError where [.invalidInput, .conflict, .forbidden].contains(error.code.kind) {
            return try await staffPage(session, error: Self.sentence(error),
                                       status: error.code.kind == .forbidden ? .forbidden
                                           : error.code.kind == .invalidInput ? .unprocessableContent : .conflict)
        }
    }

    func deactivateStaff(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await staffAction(request, context) { session, form, id in
            _ = try await staff.deactivateStaff(session.principal, id: id, expectedVersion: try form.version())
            return "deactivated"
        }
    }

    private func staffAction(_ request: Request, _ context: KeelRequestContext,
                             _ act: (StaffSession, AdminForm, StaffID) async throws -> String) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .staffManage)
        let id = try Self.id(context, "staff", as: StaffID.self, notFound: .staffNotFound)
        do {
            return redirect("/admin/staff", done: try await act(session, form, id))
        } catch let error as AppError where error.code == .versionMismatch {
            return try await staffPage(session, error: "Someone changed this staff member while you were looking; here is the list as it is now. Check and try again.",
                                       status: .conflict)
        } catch let error as AppError where [.invalidInput, .conflict, .forbidden].contains(error.code.kind) {
            return try await staffPage(session, error: error.detail,
                                       status: error.code.kind == .forbidden ? .forbidden : .conflict)
        }
    }

    private static func roleOptions(selected: String) -> [Option] {
        Option.list(StaffRole.allCases.map { ($0.rawValue, $0.rawValue) }, selected: selected)
    }

    private func staffPage(_ session: StaffSession, notice: String? = nil, error: String? = nil, created: CreatedStaff? = nil,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let members = try await staff.staff(session.principal)
        var chrome = Chrome(session, section: "staff", notice: notice)
        chrome.error = error
        return try page("staff", StaffPage(
            members: members.map { member in
                StaffRow(id: member.id.description, email: member.email, name: member.name, role: member.role.rawValue,
                         status: member.status.rawValue, mfa: member.mfaEnabled, pendingFirstSignIn: member.mustChangePassword,
                         version: member.version, isMe: member.id == session.principal.staffID, createdAt: member.createdAt,
                         roleOptions: Self.roleOptions(selected: member.role.rawValue))
            }, roleOptions: Self.roleOptions(selected: StaffRole.support.rawValue), created: created), chrome: chrome, status: status)
    }
}
