import AccountsAPI
import Hummingbird
import HTTPTypes
import Kernel

/// The signed-in member's own account: their recovery codes.
extension AdminConsole {
    struct AccountPage: Encodable, Sendable {
        let codesLeft: Int
        /// New codes, shown on this response only.
        let codes: [String]?
    }

    func accountPage(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let session = try await signedIn(request, context)
        return try await accountPage(session)
    }

    /// New recovery codes after a fresh authenticator code; shown once, never stored in clear.
    func makeRecoveryCodes(_ request: Request, _ context: KeelRequestContext) async throws -> Response {
        let (session, form) = try await posted(request, context, needs: .consoleRead)
        do {
            let codes = try await staff.regenerateRecoveryCodes(session.principal, code: form["code"]?.filter { !$0.isWhitespace } ?? "")
            return try await accountPage(session, codes: codes)
        } catch let error as AppError where error.code == .invalidMFACode {
            return try await accountPage(session, error: error.detail, status: .unprocessableContent)
        }
    }

    private func accountPage(_ session: StaffSession, codes: [String]? = nil, error: String? = nil,
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        var chrome = Chrome(session, section: "account")
        chrome.error = error
        return try page("account", AccountPage(codesLeft: try await staff.recoveryCodesLeft(session.principal), codes: codes),
                        chrome: chrome, status: status)
    }
}
