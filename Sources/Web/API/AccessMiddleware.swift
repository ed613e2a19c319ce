import Foundation
import AccountsAPI
import BillingAPI
import HTTPTypes
import Kernel
import OpenAPIRuntime

/// Authenticates and authorises every operation before its handler runs, from
/// `OperationAccess.table`; an operation missing from the table is refused (fail closed).
///
/// A bearer token (a session's or an API key's) that is present but unknown, expired or revoked
/// is a 401 even on public operations, so a client with a stale token learns so at once.
/// Authenticated callers are rate-limited per credential and per tenant.
struct AccessMiddleware: ServerMiddleware {
    let accounts: any AccountsService
    let limits: RateLimits

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable @concurrent (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let access = OperationAccess.table[operationID] else {
            throw AppError(.internalError, "This operation is not available.",
                           diagnostics: "operation \(operationID) has no entry in OperationAccess.table")
        }
        var context = APIRequest.current
        if let authorization = request.headerFields[.authorization] {
            guard let token = Self.bearerToken(authorization),
                  let principal = try await accounts.authenticate(token: token, requestID: context.requestID) else {
                throw AppError(.unauthenticated, "The bearer token is not valid or its session has ended; log in again.")
            }
            context.principal = principal
            context.facts?.tenantID = principal.tenantID
            if let view = principal.impersonation {
                context.facts?.impersonated = principal
                if OperationAccess.closedDuringImpersonation.contains(operationID) {
                    throw AppError(.impersonationForbidden,
                                   "Support viewing as this person cannot change their credentials, sessions or keys.")
                }
                if !view.canWrite && request.method != .get && request.method != .head && operationID != Operations.DeleteCurrentSession.id {
                    throw AppError(.impersonationReadOnly,
                                   "This is support viewing as the person, read-only: changes were not granted for this view.")
                }
            }
        }
        switch access {
        case .public:
            break
        case .authenticated:
            _ = try context.requirePrincipal()
        case .session:
            try context.requirePrincipal().requireSession()
        case .permission(let permission):
            try context.requirePrincipal().require(permission)
        }
        if let principal = context.principal, principal.mfaEnrolmentRequired,
           !OperationAccess.openDuringMFAEnrolment.contains(operationID) {
            throw AppError(.mfaEnrolmentRequired,
                           "Your organisation requires MFA: enrol first (POST /v1/me/mfa/totp), then carry on.")
        }
        if let principal = context.principal, principal.billingBlocked,
           !OperationAccess.openWhileBlocked.contains(operationID) {
            throw AppError(.subscriptionBlocked,
                           "Your subscription is blocked for an unpaid invoice: pay it (POST /v1/billing/invoices/{id}/pay) or add a card "
                           + "(PUT /v1/billing/payment-method). Nothing is lost; everything reopens once it is paid.")
        }
        var limitHeaders = HTTPFields()
        if let principal = context.principal {
            limitHeaders = try limits.admit(principal)
        }
        var (response, responseBody) = try await APIRequest.$current.withValue(context) {
            try await next(request, body, metadata)
        }
        response.headerFields.append(contentsOf: limitHeaders)
        return (response, responseBody)
    }

    /// `Bearer <token>`, scheme case-insensitive (RFC 9110 §11.1), spaces and tabs around the
    /// token dropped. Read byte by byte: splitting, lowercasing and Foundation's trimming were
    /// about 1.5 % of an authenticated read.
    static func bearerToken(_ header: String) -> String? {
        let utf8 = header.utf8
        var start = utf8.startIndex
        for letter in "bearer".utf8 {
            guard start != utf8.endIndex, utf8[start] | 0x20 == letter else { return nil }
            start = utf8.index(after: start)
        }
        guard start != utf8.endIndex, isBlank(utf8[start]) else { return nil }
        while start != utf8.endIndex, isBlank(utf8[start]) { start = utf8.index(after: start) }
        var end = utf8.endIndex
        while end > start, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return start == end ? nil : String(header[start..<end])
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}
