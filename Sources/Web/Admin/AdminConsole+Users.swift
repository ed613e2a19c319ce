import AccountsAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel

/// A tenant's user: sessions, MFA, recent sign-ins, and the safe account actions.
extension AdminConsole {
    struct UserView: Encodable, Sendable {
        let id: String
        let email: String
        let name: String
        let role: String
        let state: String
        let lockedAt: Date?
        let lockReason: String?
        let verified: Bool
        let mfa: Bool
        let version: Int
        let createdAt: Date
    }

    struct SessionRow: Encodable, Sendable {
        let createdAt: Date
        let lastSeenAt: Date
        let expiresAt: Date
        let userAgent: String?
        let ipAddress: String?
    }

    struct UserPage: Encodable, Sendable {
        let tenant: TenantView
        let user: UserView
        let sessions: [SessionRow]
        let logins: [AuditRow]
        let canSupport: Bool
        let conflict: Bool
        /// "View as" is offered: the staff member may, and the person can sign in now.
        let canImpersonate: Bool
    }

    func user(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        let (tenantID, userID) = try Self.userPath(context)
        return try await userPage(session, tenantID, userID, notice: AdminNotice.text(request.query("done")))
    }

    func lockUser(_ request: Request, _ context: KeelRequestContext, locked: Bool) async throws -> Response {
        try await userAction(request, context) { session, form, tenantID, userID in
            let expected = try form.version()
            let updated = try await support.setUserLock(session.principal, tenantID: tenantID, userID: userID, locked: locked,
                                                        reason: form["reason"] ?? "", shareReason: form["share_reason"] == "on",
                                                        expectedVersion: expected)
            return updated.version == expected ? "unchanged" : (locked ? "locked" : "unlocked")
        }
    }

    func endSessions(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await userAction(request, context) { session, form, tenantID, userID in
            _ = try await support.endSessions(session.principal, tenantID: tenantID, userID: userID, reason: form["reason"] ?? "")
            return "sessions_ended"
        }
    }

    func sendReset(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await userAction(request, context) { session, _, tenantID, userID in
            try await support.sendPasswordReset(session.principal, tenantID: tenantID, userID: userID)
            return "reset_sent"
        }
    }

    func resendVerification(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await userAction(request, context) { session, _, tenantID, userID in
            try await support.resendVerification(session.principal, tenantID: tenantID, userID: userID)
            return "verification_sent"
        }
    }

    /// One posted action on a user, then back to their page with its notice. A stale version
    /// shows the page as it is now with a conflict message (status 409); a bad reason shows it
    /// with the error (422). Nothing is overwritten silently.
    private func userAction(_ request: Request, _ context: KeelRequestContext,
                            _ act: (StaffSession, AdminForm, TenantID, UserID) async throws -> String) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .accountSupport)
        let (tenantID, userID) = try Self.userPath(context)
        do {
            let notice = try await act(session, form, tenantID, userID)
            return redirect("/admin/tenants/\(tenantID)/users/\(userID)", done: notice)
        } catch let error as AppError where error.code == .versionMismatch {
            return try await userPage(session, tenantID, userID, conflict: true, status: .conflict)
        } catch let error as AppError where error.code.kind == .invalidInput || error.code.kind == .conflict {
            let status: HTTPResponse.Status = error.code.kind == .conflict ? .conflict : .unprocessableContent
            return try await userPage(session, tenantID, userID, error: error.detail, status: status)
        }
    }

    private func userPage(_ session: StaffSession, _ tenantID: TenantID, _ userID: UserID, notice: String? = nil,
                          error: String? = nil, conflict: Bool = false, status: HTTPResponse.Status = .ok) async throws -> Response {
        let detail = try await support.userDetail(session.principal, tenantID: tenantID, userID: userID)
        var chrome = Chrome(session, section: "tenants", notice: notice)
        chrome.error = error
        let (tenant, user) = (detail.tenant, detail.user)
        return try page("user", UserPage(
            tenant: TenantView(tenant),
            user: UserView(id: user.id.description, email: user.email, name: user.name, role: user.role.rawValue,
                           state: Self.state(of: user), lockedAt: user.lockedAt, lockReason: user.lockReason,
                           verified: user.emailVerified, mfa: user.mfaEnabled, version: user.version, createdAt: user.createdAt),
            sessions: detail.sessions.map { SessionRow(createdAt: $0.createdAt, lastSeenAt: $0.lastSeenAt, expiresAt: $0.expiresAt,
                                                       userAgent: $0.userAgent, ipAddress: $0.ipAddress) },
            logins: detail.recentLogins.map(AuditRow.init), canSupport: session.principal.can(.accountSupport),
            conflict: conflict,
            canImpersonate: session.principal.can(.usersImpersonate) && Self.state(of: user) == "active" && tenant.status == .active),
            chrome: chrome, status: status)
    }

    // MARK: View as

    struct ViewAsPage: Encodable, Sendable {
        let tenant: TenantView
        let userEmail: String
        let userID: String
        let token: String
        let sessionID: String
        let endsAt: Date
        let canChange: Bool
        let reason: String
        /// Where the console was reached, for the example request.
        let apiHost: String
    }

    /// Starts a "view as": a fresh code, a reason, a time box; the API token is shown on this
    /// response only, under a banner naming who is viewing as whom, until when, and why.
    func startViewAs(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .usersImpersonate)
        let (tenantID, userID) = try Self.userPath(context)
        let reason = form["reason"] ?? ""
        do {
            let minutes = Int(form["minutes"] ?? "15") ?? 0
            let started = try await support.startImpersonation(session.principal, tenantID: tenantID, userID: userID, reason: reason,
                                                               code: form["code"]?.filter { !$0.isWhitespace } ?? "",
                                                               minutes: minutes, canWrite: form["can_write"] == "on")
            let detail = try await support.userDetail(session.principal, tenantID: tenantID, userID: userID)
            var chrome = Chrome(session, section: "tenants")
            chrome.viewingAs = "\(detail.user.email)"
            return try page("view_as", ViewAsPage(tenant: TenantView(detail.tenant), userEmail: detail.user.email,
                                                  userID: userID.description, token: started.token,
                                                  sessionID: started.sessionID.description, endsAt: started.endsAt,
                                                  canChange: started.canWrite, reason: reason.trimmingCharacters(in: .whitespacesAndNewlines),
                                                  apiHost: request.head.authority ?? "localhost:8080"), chrome: chrome)
        } catch let error as AppError where error.code.kind == .invalidInput || error.code.kind == .conflict
                                        || error.code == .invalidMFACode {
            let status: HTTPResponse.Status = error.code.kind == .conflict ? .conflict : .unprocessableContent
            return try await userPage(session, tenantID, userID, error: Self.sentence(error), status: status)
        }
    }

    func endViewAs(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .usersImpersonate)
        let (tenantID, userID) = try Self.userPath(context)
        guard let sessionID = form["session"].flatMap(SessionID.init) else {
            throw AppError(.invalidInput, "Which view to end is missing; go back and try again.")
        }
        let ended = try await support.endImpersonation(session.principal, tenantID: tenantID, sessionID: sessionID)
        return redirect("/admin/tenants/\(tenantID)/users/\(userID)", done: ended ? "view_ended" : "view_ended_already")
    }

    private static func userPath(_ context: KeelRequestContext) throws -> (TenantID, UserID) {
        (try id(context, "tenant", as: TenantID.self, notFound: .tenantNotFound),
         try id(context, "user", as: UserID.self, notFound: .userNotFound))
    }
}
