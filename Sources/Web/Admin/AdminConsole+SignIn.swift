import AccountsAPI
import Crypto
import Foundation
import Hummingbird
import HTTPTypes
import Kernel

/// Sign-in: email and password, then TOTP; on the first sign-in, a new password and TOTP
/// enrolment instead. Each completed step gets a new session cookie.
extension AdminConsole {
    struct SignInPage: Encodable, Sendable {
        let csrf: String
        var email = ""
    }

    struct CodePage: Encodable, Sendable {
        let csrf: String
    }

    struct SetupPage: Encodable, Sendable {
        let csrf: String
        let secret: String
        let uri: String
        let email: String
    }

    func signInPage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        if let session = try await currentSession(request, context), session.stage == .active {
            return redirect("/admin")
        }
        var chrome = Chrome()
        chrome.notice = AdminNotice.text(request.query("done"))
        return try preSessionPage(request) { csrf in try page("login", SignInPage(csrf: csrf), chrome: chrome) }
    }

    /// A form shown before there is a session (sign-in, an invitation's button) has none to hold
    /// its CSRF token, so the token is paired with a cookie: the one the browser has, or a new one.
    private func preSessionPage(_ request: Request, _ render: (String) throws -> Response) throws -> Response {
        let existing = request.cookies[AdminCookies.signIn]?.value
        let token = existing.flatMap { $0.count == 43 ? $0 : nil } ?? Self.randomToken()
        var response = try render(token)
        if existing != token { response.setCookie(AdminCookies.make(AdminCookies.signIn, value: token, maxAge: 3600)) }
        return response
    }

    /// The form posted by such a page, once its token matches the cookie's; returns the token.
    private func preSessionForm(_ request: Request) async throws -> (AdminForm, String) {
        let form = try await AdminForm(request)
        guard let expected = request.cookies[AdminCookies.signIn]?.value, AdminCookies.equal(form["csrf"], expected) else {
            throw Self.csrfRefused
        }
        return (form, expected)
    }

    struct InvitationPage: Encodable, Sendable {
        let csrf: String
        let token: String
    }

    /// The link in a staff invitation: a page with one button, since opening a link (a mail
    /// scanner may) must not use it up.
    func invitationPage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try preSessionPage(request) { csrf in
            try page("invitation", InvitationPage(csrf: csrf, token: request.query("token") ?? ""), chrome: Chrome())
        }
    }

    func acceptInvitation(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (form, expected) = try await preSessionForm(request)
        _ = try limits.admitAnonymous("staff-login", address: context.clientAddress)
        do {
            let signIn = try await staff.acceptInvitation(token: form["token"] ?? "", source: context.clientAddress,
                                                          userAgent: request.headers[.userAgent], requestID: context.requestID)
            var response = redirect("/admin/setup")
            response.setCookie(AdminCookies.make(AdminCookies.session, value: signIn.token))
            return response
        } catch let error as AppError where error.code == .invalidToken {
            var chrome = Chrome()
            chrome.error = error.detail
            return try page("invitation", InvitationPage(csrf: expected, token: ""), chrome: chrome, status: .gone)
        }
    }

    func signIn(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (form, expected) = try await preSessionForm(request)
        let email = form["email"]?.trimmingCharacters(in: .whitespaces) ?? ""
        func again(_ message: String, status: HTTPResponse.Status) throws -> Response {
            var chrome = Chrome()
            chrome.error = message
            return try page("login", SignInPage(csrf: expected, email: email), chrome: chrome, status: status)
        }
        _ = try limits.admitAnonymous("staff-login", address: context.clientAddress)
        guard !email.isEmpty, let password = form["password"], !password.isEmpty else {
            return try again("Enter your email and password.", status: .unprocessableContent)
        }
        let signIn: StaffSignIn
        do {
            signIn = try await staff.signIn(email: email, password: password, source: context.clientAddress,
                                            userAgent: request.headers[.userAgent], requestID: context.requestID)
        } catch let error as AppError where error.code == .invalidCredentials {
            return try again(error.detail, status: .unauthorized)
        }
        if let old = request.cookies[AdminCookies.session]?.value {
            try? await staff.signOut(token: old, requestID: context.requestID)
        }
        var response = redirect(signIn.stage == .setup ? "/admin/setup" : "/admin/login/totp")
        response.setCookie(AdminCookies.make(AdminCookies.session, value: signIn.token))
        return response
    }

    func totpPage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await session(request, context, at: .mfa)
        return try page("totp", CodePage(csrf: session.csrfToken), chrome: Chrome())
    }

    func confirmTOTP(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await confirmStep(request, context) { form, token in
            try await staff.confirmSignIn(token: token, code: form["code"]?.filter { !$0.isWhitespace } ?? "", requestID: context.requestID)
        }
    }

    /// The `mfa` step with a recovery code, for a member whose authenticator is gone.
    func confirmRecoveryCode(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        try await confirmStep(request, context) { form, token in
            try await staff.confirmSignIn(token: token, recoveryCode: form["recovery_code"] ?? "", requestID: context.requestID)
        }
    }

    private func confirmStep(_ request: Request, _ context: KeelRequestContext,
                             _ confirm: (AdminForm, String) async throws -> StaffSignIn) async throws -> Response {
        let (_, form, token) = try await stepForm(request, context, at: .mfa)
        do {
            return signedIn(try await confirm(form, token))
        } catch let error as AppError where error.code == .invalidCredentials {
            var chrome = Chrome()
            chrome.error = error.detail
            let session = try await session(request, context, at: .mfa)
            return try page("totp", CodePage(csrf: session.csrfToken), chrome: chrome, status: .unauthorized)
        }
    }

    func setupPage(_ request: Request, _ context: KeelRequestContext, error: String? = nil,
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let session = try await session(request, context, at: .setup)
        let enrolment = try await staff.pendingEnrolment(token: request.cookies[AdminCookies.session]?.value ?? "")
        var chrome = Chrome()
        chrome.error = error
        return try page("setup", SetupPage(csrf: session.csrfToken, secret: enrolment.secret, uri: enrolment.uri,
                                           email: session.principal.email), chrome: chrome, status: status)
    }

    func completeSetup(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (_, form, token) = try await stepForm(request, context, at: .setup)
        let password = form["new_password"] ?? ""
        guard password == form["new_password_confirm"] else {
            return try await setupPage(request, context, error: "The two passwords are not the same.", status: .unprocessableContent)
        }
        do {
            let signIn = try await staff.completeSetup(token: token, newPassword: password,
                                                       code: form["code"]?.filter { !$0.isWhitespace } ?? "",
                                                       requestID: context.requestID)
            return signedIn(signIn)
        } catch let error as AppError where error.code == .invalidCredentials || error.code == .validationFailed {
            let status: HTTPResponse.Status = error.code == .invalidCredentials ? .unauthorized : .unprocessableContent
            return try await setupPage(request, context, error: error.detail, status: status)
        }
    }

    func signOut(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let form = try await AdminForm(request)
        if let session = try await currentSession(request, context), let token = request.cookies[AdminCookies.session]?.value {
            guard AdminCookies.equal(form["csrf"], session.csrfToken) else { throw Self.csrfRefused }
            try await staff.signOut(token: token, requestID: context.requestID)
        }
        var response = redirect("/admin/login", done: "signed_out")
        response.setCookie(AdminCookies.clear(AdminCookies.session))
        return response
    }

    // MARK: Helpers

    /// The half-signed-in session at `stage`; otherwise back to the start.
    private func session(_ request: Request, _ context: KeelRequestContext,
                         at stage: StaffSession.Stage) async throws -> StaffSession {
        guard let session = try await currentSession(request, context), session.stage == stage else {
            throw AdminRedirect.signIn
        }
        return session
    }

    private func stepForm(_ request: Request, _ context: KeelRequestContext,
                          at stage: StaffSession.Stage) async throws -> (StaffSession, AdminForm, String) {
        let session = try await session(request, context, at: stage)
        let form = try await AdminForm(request)
        guard AdminCookies.equal(form["csrf"], session.csrfToken),
              let token = request.cookies[AdminCookies.session]?.value else { throw Self.csrfRefused }
        _ = try limits.admitAnonymous("staff-mfa", address: context.clientAddress)
        return (session, form, token)
    }

    private func signedIn(_ signIn: StaffSignIn) -> Response {
        var response = redirect("/admin")
        response.setCookie(AdminCookies.make(AdminCookies.session, value: signIn.token))
        response.setCookie(AdminCookies.clear(AdminCookies.signIn))
        return response
    }

    static func randomToken() -> String {
        Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URLEncodedString()
    }
}
