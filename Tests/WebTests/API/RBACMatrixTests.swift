import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing
@testable import Web

extension SpecOperation {
    /// The operations of openapi.yaml, read from the repository's file itself.
    static func load() throws -> [SpecOperation] {
        let text = try String(contentsOf: TestDatabase.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        return OpenAPISpec(text: text).operations()
    }
}

@Suite("API: RBAC, role × operation")
struct RBACMatrixTests {
    @Test("every operation in the spec declares the permission the code enforces")
    func specAndCodeAgree() throws {
        let operations = try SpecOperation.load()
        #expect(operations.count == OperationAccess.table.count)
        for operation in operations {
            #expect(OperationAccess.table[operation.operationID]?.specValue == operation.permission, "\(operation)")
        }
    }

    @Test("the full matrix: each role (and no one) against each operation of the spec")
    func matrix() async throws {
        let operations = try SpecOperation.load()
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            // The signup saga's trial (Billing reacts to the sign-up through the outbox).
            _ = try await api.waitForSubscription(token: tenant.token)
            var users: [Role: String] = [.owner: tenant.ownerEmail]
            for role in Role.allCases where role != .owner {
                let email = "\(role.rawValue)@\(tenant.slug).test"
                _ = try await LiveAPI.addUser(api, db, to: tenant, role: role, email: email)
                users[role] = email
            }
            // Verified addresses, so that the operations that wait for one answer on their merits.
            try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.execute("update accounts.users set email_verified_at = now() where tenant_id = \(tx.tenantID)")
            }
            var cells = 0
            for operation in operations {
                let access = try #require(OperationAccess.table[operation.operationID])
                for role in [Role?.none] + Role.allCases.map(Optional.some) {
                    // A fresh session per cell (logging out ends one) and a fresh member to act on.
                    var token: String?
                    if let role { token = try await api.logIn(slug: tenant.slug, email: users[role]!) }
                    let victim = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
                    let response = try await Self.call(operation, api: api, token: token, victim: victim.id)
                    let allowed: Bool
                    switch (access, role) {
                    case (.public, _): allowed = true
                    case (_, nil): allowed = false
                    case (.authenticated, _), (.session, _): allowed = true
                    case (.permission(let permission), let role?): allowed = role.can(permission)
                    }
                    let cell = "\(role?.rawValue ?? "anonymous") × \(operation): \(response.status) \(response.text)"
                    if !allowed {
                        #expect(response.status == (role == nil ? .unauthorized : .forbidden), "\(cell)")
                    } else if Self.succeedsWhenAllowed.contains(operation.operationID) {
                        #expect(response.status.kind == .successful, "\(cell)")
                    } else {
                        // The call is authorised; its made-up token, code or id is refused on its merits.
                        #expect(response.status.kind == .clientError && response.status != .forbidden
                                && (response.status != .unauthorized || access == .public), "\(cell)")
                    }
                    cells += 1
                }
            }
            #expect(cells == operations.count * (Role.allCases.count + 1))
        }
    }

    /// Operations whose call below is a complete, valid request: allowed means 2xx. The others
    /// need a secret from an email or an authenticator (or name a made-up id): allowed means a
    /// 4xx that is not 401 or 403.
    static let succeedsWhenAllowed: Set<String> = [
        "signUp", "createSession", "deleteCurrentSession", "getMe", "listUsers", "getUser", "updateUser", "deleteUser",
        "listAuditEvents", "listSessions", "changePassword", "changeEmail", "requestPasswordReset", "startTOTPEnrolment",
        "getTenant", "updateTenant", "createInvitation", "listInvitations", "createAPIKey", "listAPIKeys",
        "listPlans", "getSubscription", "previewPlanChange", "changePlan", "cancelSubscription", "resumeSubscription",
        "listInvoices", "getBillingProfile", "updateBillingProfile", "listCreditNotes", "getPaymentMethod",
        "listProducts", "createOrder", "listOrders", "createWebhookEndpoint", "listWebhookEndpoints", "listWebhookEventTypes",
    ]

    /// A valid request for each operation, acting on `victim` where it takes a user id.
    static func call(_ operation: SpecOperation, api: API, token: String?, victim: String) async throws -> APIResponse {
        var path = "/v1" + operation.path.replacingOccurrences(of: "{user_id}", with: victim)
        for parameter in ["{session_id}", "{invitation_id}", "{api_key_id}", "{invoice_id}", "{credit_note_id}", "{order_id}",
                          "{endpoint_id}"] {
            path = path.replacingOccurrences(of: parameter, with: UUID().uuidString.lowercased())
        }
        path = path.replacingOccurrences(of: "{message_id}", with: "msg_" + UUID().uuidString.lowercased())
        let unique = UUID().uuidString.prefix(8).lowercased()
        switch operation.operationID {
        case "signUp":
            let slug = API.uniqueSlug("m")
            return try await api.call(.post, path, json: """
                {"tenant":{"slug":"\(slug)","name":"M"},"owner":{"email":"o@\(slug).test","password":"\(API.password)","name":"O"}}
                """, token: token)
        case "createSession":
            let other = try await api.signUp()
            return try await api.call(.post, path, json: #"{"tenant":"\#(other.slug)","email":"\#(other.ownerEmail)","password":"\#(API.password)"}"#,
                                      token: token)
        case "updateUser":
            return try await api.call(.patch, path, json: #"{"role":"viewer"}"#, token: token, headers: ["If-Match": "\"1\""])
        case "deleteUser":
            return try await api.call(.delete, path, token: token, headers: ["If-Match": "\"1\""])
        case "completeMFAChallenge":
            return try await api.call(.post, path, json: #"{"challenge_token":"keelc_\#(String(repeating: "a", count: 43))","code":"123456"}"#, token: token)
        case "changePassword":
            // The same password again, so the next cells can still log in.
            return try await api.call(.post, path, json: #"{"current_password":"\#(API.password)","new_password":"\#(API.password)"}"#, token: token)
        case "changeEmail":
            return try await api.call(.post, path, json: #"{"email":"new-\#(unique)@example.test","password":"\#(API.password)"}"#, token: token)
        case "confirmEmailVerification":
            return try await api.call(.post, path, json: #"{"token":"keelv_\#(String(repeating: "b", count: 43))"}"#, token: token)
        case "requestPasswordReset":
            return try await api.call(.post, path, json: #"{"tenant_slug":"no-such-tenant","email":"nobody@example.test"}"#, token: token)
        case "confirmPasswordReset":
            return try await api.call(.post, path, json: #"{"token":"keelr_\#(String(repeating: "c", count: 43))","password":"\#(API.password)"}"#, token: token)
        case "confirmTOTPEnrolment", "disableMFA", "regenerateRecoveryCodes":
            return try await api.call(.post, path, json: #"{"code":"000000"}"#, token: token)
        case "updateTenant":
            return try await api.call(.patch, path, json: #"{"name":"Renamed \#(unique)"}"#, token: token, headers: ["If-Match": "*"])
        case "createInvitation":
            return try await api.call(.post, path, json: #"{"email":"invitee-\#(unique)@example.test","role":"member"}"#, token: token)
        case "acceptInvitation":
            return try await api.call(.post, path, json: #"{"token":"keeli_\#(String(repeating: "d", count: 43))","name":"N","password":"\#(API.password)"}"#, token: token)
        case "createAPIKey":
            return try await api.call(.post, path, json: #"{"name":"ci","permissions":["users.read"]}"#, token: token)
        case "createOrder":
            return try await api.call(.post, path, json: #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}]}"#, token: token)
        case "replaceOrderLines":
            return try await api.call(.put, path, json: #"{"lines":[{"product":"onboarding","quantity":1}]}"#, token: token,
                                      headers: ["If-Match": "*"])
        case "placeOrder", "cancelOrder":
            return try await api.call(.post, path, token: token, headers: ["If-Match": "*"])
        case "payOrder":
            return try await api.call(.post, path, token: token, headers: ["Idempotency-Key": UUID().uuidString])
        case "payInvoice":
            return try await api.call(.post, path, token: token, headers: ["Idempotency-Key": UUID().uuidString])
        case "setPaymentMethod":
            // This server has no payment provider: an allowed call is a 409 payments_not_configured.
            return try await api.call(.put, path, json: #"{"payment_method":"pm_card_visa"}"#, token: token)
        case "previewPlanChange":
            return try await api.call(.get, path + "?plan=pro", token: token)
        case "changePlan":
            // To the plan the tenant is not on, so every allowed call is a real change.
            let current = try await api.call(.get, "/v1/billing/subscription", token: token).json["plan"]["code"].string
            let target = current == "pro" ? "starter" : "pro"
            return try await api.call(.post, path, json: #"{"plan":"\#(target)"}"#, token: token, headers: ["If-Match": "*"])
        case "cancelSubscription":
            return try await api.call(.post, path, json: #"{"at_period_end":true}"#, token: token, headers: ["If-Match": "*"])
        case "resumeSubscription":
            // Scheduled first (with the same credential), so there is a cancellation to take back.
            _ = try await api.call(.post, "/v1/billing/subscription/cancel", json: #"{"at_period_end":true}"#, token: token,
                                   headers: ["If-Match": "*"])
            return try await api.call(.post, path, token: token, headers: ["If-Match": "*"])
        case "createWebhookEndpoint":
            return try await api.call(.post, path, json: #"{"url":"https://example.com/hooks/\#(unique)"}"#, token: token)
        case "updateWebhookEndpoint":
            return try await api.call(.patch, path, json: #"{"enabled":true}"#, token: token, headers: ["If-Match": "*"])
        case "replayFailedWebhooks":
            return try await api.call(.post, path, json: #"{"since":"2026-01-01T00:00:00Z"}"#, token: token)
        case "redeemCoupon":
            return try await api.call(.post, path, json: #"{"code":"NO-SUCH-COUPON"}"#, token: token)
        case "updateBillingProfile":
            return try await api.call(.patch, path, json: #"{"legal_name":"Legal \#(unique)"}"#, token: token,
                                      headers: ["If-Match": "*"])
        default:
            return try await api.call(operation.method, path, token: token)
        }
    }
}
