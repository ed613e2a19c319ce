import AccountsAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel

/// Bulk actions from the tenants list and a tenant's users: a dry run, a confirmation with a
/// reason, then a background job with its own progress page (refreshed by the page itself, no
/// JavaScript).
extension AdminConsole {
    struct HiddenField: Encodable, Sendable {
        let name: String
        let value: String
    }

    struct BulkPreviewPage: Encodable, Sendable {
        let sentence: String
        let count: Int
        let first: [String]
        let more: Int
        let hidden: [HiddenField]
        let tellsPeople: Bool
        let backURL: String
    }

    struct BulkJobPage: Encodable, Sendable {
        let id: String
        let title: String
        let reason: String
        let staffEmail: String
        let createdAt: Date
        let finishedAt: Date?
        let total: Int
        let done: Int
        let skipped: Int
        let failed: Int
        let pending: Int
        let running: Bool
        let failures: [FailureRow]
        let canRetry: Bool
    }

    struct FailureRow: Encodable, Sendable {
        let label: String
        let error: String
    }

    /// The dry run: "this will suspend 37 tenants", the first rows, and the confirmation form
    /// carrying the same selection.
    func previewBulk(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .consoleRead)
        return try await bulkPreviewPage(session, form)
    }

    /// Confirmed: the job starts, and its page shows it going.
    func startBulk(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .consoleRead)
        do {
            let (action, selection) = try Self.bulkSelection(form)
            let id = try await support.startBulk(session.principal, action: action, selection: selection, reason: form["reason"] ?? "",
                                                 shareReason: form["share_reason"] == "on")
            return redirect("/admin/jobs/\(id)")
        } catch let error as AppError where error.code.kind == .invalidInput {
            // Most often a missing reason: the dry run again, saying what is wrong.
            return try await bulkPreviewPage(session, form, error: Self.sentence(error))
        }
    }

    private func bulkPreviewPage(_ session: StaffSession, _ form: AdminForm, error: String? = nil) async throws -> Response {
        var chrome = Chrome(session, section: "tenants")
        chrome.error = error
        do {
            let (action, selection) = try Self.bulkSelection(form)
            let preview = try await support.previewBulk(session.principal, action: action, selection: selection)
            return try page("bulk_preview", BulkPreviewPage(
                sentence: "This will \(action.sentence(preview.count)).", count: preview.count, first: preview.first,
                more: preview.count - preview.first.count, hidden: Self.bulkHiddenFields(form), tellsPeople: action.tellsPeople,
                backURL: Self.bulkBackURL(form)), chrome: chrome, status: error == nil ? .ok : .unprocessableContent)
        } catch let failure as AppError where failure.code.kind == .invalidInput {
            chrome.error = Self.sentence(failure)
            return try page("bulk_preview", BulkPreviewPage(sentence: "", count: 0, first: [], more: 0, hidden: [], tellsPeople: false,
                                                            backURL: Self.bulkBackURL(form)), chrome: chrome, status: .unprocessableContent)
        }
    }

    func bulkJobPage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let id = try Self.id(context, "job", as: BulkJobID.self, notFound: .bulkJobNotFound)
        let job = try await support.bulkJob(session.principal, id: id)
        let sentence = job.action.sentence(job.total)
        return try page("bulk_job", BulkJobPage(
            id: job.id.description, title: sentence.prefix(1).uppercased() + sentence.dropFirst(),
            reason: job.reason, staffEmail: job.staffEmail, createdAt: job.createdAt, finishedAt: job.finishedAt, total: job.total,
            done: job.done, skipped: job.skipped, failed: job.failed, pending: job.pending, running: job.pending > 0,
            failures: job.failures.map { FailureRow(label: $0.label, error: $0.error) }, canRetry: job.failed > 0 && job.pending == 0 && session.principal.can(job.action.permission)),
            chrome: Chrome(session, section: "tenants", notice: AdminNotice.text(request.query("done"))))
    }

    func retryBulkJob(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, _) = try await posted(request, context, needs: .consoleRead)
        let id = try Self.id(context, "job", as: BulkJobID.self, notFound: .bulkJobNotFound)
        _ = try await support.retryBulkJob(session.principal, id: id)
        return redirect("/admin/jobs/\(id)", done: "retrying")
    }

    /// What the form selected: rows ticked (`tenant_<id>`, `user_<id>`), or all that match
    /// (`all`, with the list's filters as `filter_…`, or a tenant's every user).
    static func bulkSelection(_ form: AdminForm) throws -> (BulkAction, BulkSelection) {
        guard let action = form["action"].flatMap(BulkAction.init(rawValue:)) else {
            throw AppError(.invalidInput, "Choose what to do with the selected rows.")
        }
        let picked = { (prefix: String) in form.fields.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }.sorted() }
        if action.onTenants {
            if form["all"] == "on" {
                let (_, query, problems) = tenantQuery { name in form["filter_\(name)"].flatMap { $0.isEmpty ? nil : $0 } }
                guard problems.isEmpty else { throw AppError(.invalidInput, problems.joined(separator: " ")) }
                return (action, .tenantsMatching(query))
            }
            return (action, .tenants(picked("tenant_").compactMap(TenantID.init)))
        }
        guard let tenantID = form["tenant"].flatMap(TenantID.init) else {
            throw AppError(.invalidInput, "That action works on one tenant's users; start it from the tenant's page.")
        }
        if form["all"] == "on" { return (action, .allUsers(tenantID)) }
        return (action, .users(tenantID, picked("user_").compactMap(UserID.init)))
    }

    /// The selection again, for the confirmation form.
    static func bulkHiddenFields(_ form: AdminForm) -> [HiddenField] {
        form.fields.filter { name, _ in
            name == "action" || name == "all" || name == "tenant" || name.hasPrefix("filter_") || name.hasPrefix("tenant_")
                || name.hasPrefix("user_")
        }.sorted { $0.key < $1.key }.map { HiddenField(name: $0.key, value: $0.value) }
    }

    static func bulkBackURL(_ form: AdminForm) -> String {
        if let tenant = form["tenant"].flatMap(TenantID.init) { return "/admin/tenants/\(tenant)" }
        return "/admin/tenants"
    }
}
