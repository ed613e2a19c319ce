import AccountsAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel

/// The outbox's dead letters: events between modules whose every attempt failed. Staff with
/// `account.support` queue one again, with a reason, audited in the event's tenant.
extension AdminConsole {
    struct DeadLetterRow: Encodable, Sendable {
        let id: String
        let tenantID: String
        let eventType: String
        let attempts: Int
        let lastError: String?
        let createdAt: Date
        /// What the reason field holds: the refused form's text for the row it came from.
        let reason: String
    }

    struct OutboxPage: Encodable, Sendable {
        let pending: Int
        let oldestPendingAt: Date?
        let deadLetters: [DeadLetterRow]
        let canRetry: Bool
    }

    func outboxPage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        return try await outboxPage(session, notice: AdminNotice.text(request.query("done")))
    }

    func retryDeadLetter(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .accountSupport)
        let raw = try Self.path(context, "event")
        guard let id = EventID(raw) else { throw AppError(.notFound, "There is no such event in the outbox.") }
        let reasonText = form["reason"] ?? ""
        do {
            let reason = try StaffReason(reasonText)
            let tenantID = try await outbox.retry(id)
            try await support.recordAction(session.principal, tenantID: tenantID, action: PlatformAuditAction.outboxEventRetried,
                                           target: "event/\(id)", reason: reason.value)
            return redirect("/admin/outbox", done: "event_retried")
        } catch let error as AppError where error.isClientError && error.code != .notFound {
            return try await outboxPage(session, error: Self.sentence(error), retrying: raw, reason: reasonText,
                                        status: .unprocessableContent)
        }
    }

    private func outboxPage(_ session: StaffSession, notice: String? = nil, error: String? = nil, retrying: String = "",
                            reason: String = "", status: HTTPResponse.Status = .ok) async throws -> Response {
        var chrome = Chrome(session, section: "outbox", notice: notice)
        chrome.error = error
        let health = try await outbox.health()
        let dead = try await outbox.deadLetters(limit: 200)
        return try page("outbox", OutboxPage(
            pending: health.pending, oldestPendingAt: health.oldestPendingAt,
            deadLetters: dead.map {
                DeadLetterRow(id: $0.id.description, tenantID: $0.tenantID.description, eventType: $0.eventType,
                              attempts: $0.attempts, lastError: $0.lastError, createdAt: $0.createdAt,
                              reason: $0.id.description == retrying ? reason : "")
            },
            canRetry: session.principal.can(.accountSupport)), chrome: chrome, status: status)
    }
}
