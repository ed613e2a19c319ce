import AccountsAPI
import BillingAPI
import Foundation
import Hummingbird
import HTTPTypes
import Kernel
import NotificationsAPI
import OrdersAPI
import TemplateEngine

/// The staff console under `/admin`: server-rendered pages from `Templates/admin/`, cookie
/// sessions, a CSRF synchronizer token in every form. Handlers only translate between HTTP
/// and the module interfaces; every rule and every audit entry lives in the modules.
struct AdminConsole: Sendable {
    let staff: any StaffService
    let support: any SupportService
    let notifications: any NotificationsService
    let billing: any BillingSupportService
    let orders: any OrdersSupportService
    let webhooks: any WebhooksSupportService
    let outbox: any OutboxProbe
    let exporter: any TenantExporter
    let clock: any WallClock
    let templates: @Sendable () -> TemplateLibrary
    let limits: RateLimits

    func register(on router: Router<KeelRequestContext>) {
        let admin = router.group("/admin").add(middleware: AdminGuardMiddleware(templates: templates))
        admin.get("login") { try await self.signInPage($0, $1) }
        admin.post("login") { try await self.signIn($0, $1) }
        admin.get("login/totp") { try await self.totpPage($0, $1) }
        admin.post("login/totp") { try await self.confirmTOTP($0, $1) }
        admin.post("login/recovery") { try await self.confirmRecoveryCode($0, $1) }
        admin.get("invitation") { try await self.invitationPage($0, $1) }
        admin.post("invitation") { try await self.acceptInvitation($0, $1) }
        admin.get("setup") { try await self.setupPage($0, $1) }
        admin.post("setup") { try await self.completeSetup($0, $1) }
        admin.post("logout") { try await self.signOut($0, $1) }

        admin.get("") { try await self.dashboard($0, $1) }
        admin.get("tenants") { try await self.tenants($0, $1) }
        admin.get("tenants.csv") { try await self.tenantsCSV($0, $1) }
        admin.get("tenants/:tenant") { try await self.tenant($0, $1) }
        admin.post("tenants/:tenant/status") { try await self.setTenantStatus($0, $1) }
        admin.post("tenants/:tenant/export") { try await self.exportTenant($0, $1) }
        admin.post("tenants/:tenant/billing/invoices/:invoice/mark-paid") { try await self.markInvoicePaid($0, $1) }
        admin.get("tenants/:tenant/billing/invoices/:invoice/pdf") { try await self.invoicePDF($0, $1) }
        admin.get("tenants/:tenant/billing/invoices/:invoice") { try await self.invoiceDetail($0, $1) }
        admin.post("tenants/:tenant/billing/invoices/:invoice/retry-collection") { try await self.retryInvoiceCollection($0, $1) }
        admin.post("tenants/:tenant/billing/invoices/:invoice/refund") { try await self.refundInvoice($0, $1) }
        admin.post("tenants/:tenant/billing/refunds/:refund/retry") { try await self.retryRefund($0, $1) }
        admin.post("tenants/:tenant/billing/extend-trial") { try await self.extendTrial($0, $1) }
        admin.get("orders") { try await self.ordersList($0, $1) }
        admin.get("orders.csv") { try await self.ordersCSV($0, $1) }
        admin.get("products") { try await self.products($0, $1) }
        admin.post("products") { try await self.createProduct($0, $1) }
        admin.post("products/:code/retire") { try await self.retireProduct($0, $1) }
        admin.get("tenants/:tenant/orders/:order") { try await self.orderDetail($0, $1) }
        admin.get("tenants/:tenant/webhooks") { try await self.tenantWebhooks($0, $1) }
        admin.get("tenants/:tenant/webhooks/:endpoint") { try await self.webhookEndpoint($0, $1) }
        admin.post("tenants/:tenant/webhooks/:endpoint/replay-failed") { try await self.replayFailedWebhooks($0, $1) }
        admin.get("tenants/:tenant/webhook-messages/:message") { try await self.webhookMessage($0, $1) }
        admin.post("tenants/:tenant/webhook-messages/:message/replay") { try await self.replayWebhook($0, $1) }
        admin.post("tenants/:tenant/orders/:order/fulfil") { try await self.fulfilOrder($0, $1) }
        admin.post("tenants/:tenant/orders/:order/cancel") { try await self.cancelOrder($0, $1) }
        admin.post("tenants/:tenant/orders/:order/refund") { try await self.refundOrder($0, $1) }
        admin.post("tenants/:tenant/orders/:order/note") { try await self.addOrderNote($0, $1) }
        admin.get("plans") { try await self.plans($0, $1) }
        admin.post("plans") { try await self.createPlanVersion($0, $1) }
        admin.post("plans/:code/retire") { try await self.retirePlan($0, $1) }
        admin.post("tenants/:tenant/billing/coupon") { try await self.applyCoupon($0, $1) }
        admin.post("tenants/:tenant/billing/plan") { try await self.staffChangePlan($0, $1) }
        admin.post("tenants/:tenant/billing/invoices/:invoice/void") { try await self.voidInvoice($0, $1) }
        admin.post("tenants/:tenant/billing/invoices/:invoice/credit-note") { try await self.issueCreditNote($0, $1) }
        admin.post("tenants/:tenant/billing/tax-rate") { try await self.setTaxRate($0, $1) }
        admin.get("tenants/:tenant/users/:user") { try await self.user($0, $1) }
        admin.post("tenants/:tenant/users/:user/lock") { try await self.lockUser($0, $1, locked: true) }
        admin.post("tenants/:tenant/users/:user/unlock") { try await self.lockUser($0, $1, locked: false) }
        admin.post("tenants/:tenant/users/:user/end-sessions") { try await self.endSessions($0, $1) }
        admin.post("tenants/:tenant/users/:user/send-reset") { try await self.sendReset($0, $1) }
        admin.post("tenants/:tenant/users/:user/resend-verification") { try await self.resendVerification($0, $1) }
        admin.post("tenants/:tenant/users/:user/view-as") { try await self.startViewAs($0, $1) }
        admin.post("tenants/:tenant/users/:user/view-as/end") { try await self.endViewAs($0, $1) }

        admin.post("bulk/preview") { try await self.previewBulk($0, $1) }
        admin.post("bulk") { try await self.startBulk($0, $1) }
        admin.get("jobs/:job") { try await self.bulkJobPage($0, $1) }
        admin.post("jobs/:job/retry") { try await self.retryBulkJob($0, $1) }
        admin.get("find") { try await self.find($0, $1) }
        admin.get("audit") { try await self.audit($0, $1) }
        admin.get("outbox") { try await self.outboxPage($0, $1) }
        admin.post("outbox/:event/retry") { try await self.retryDeadLetter($0, $1) }
        admin.get("mail") { try await self.mail($0, $1) }
        admin.get("mail/:message") { try await self.mailMessage($0, $1) }
        admin.post("mail/:message/retry") { try await self.retryMail($0, $1) }
        admin.get("staff") { try await self.staffList($0, $1) }
        admin.post("staff") { try await self.createStaff($0, $1) }
        admin.post("staff/:staff/role") { try await self.changeStaffRole($0, $1) }
        admin.post("staff/:staff/reset") { try await self.resetStaff($0, $1) }
        admin.get("account") { try await self.accountPage($0, $1) }
        admin.post("account/recovery-codes") { try await self.makeRecoveryCodes($0, $1) }
        admin.post("staff/:staff/deactivate") { try await self.deactivateStaff($0, $1) }
    }

    // MARK: Sessions and forms

    /// The session behind the request's cookie, at any stage.
    func currentSession(_ request: Request, _ context: KeelRequestContext) async throws -> StaffSession? {
        guard let token = request.cookies[AdminCookies.session]?.value, !token.isEmpty else { return nil }
        return try await staff.session(token: token, requestID: context.requestID)
    }

    /// A signed-in staff member allowed `permission`; anyone else is sent to sign in (or, signed
    /// in without the permission, refused).
    func signedIn(_ request: Request, _ context: KeelRequestContext,
                  needs permission: StaffPermission = .consoleRead) async throws -> StaffSession {
        guard let session = try await currentSession(request, context), session.stage == .active else {
            throw AdminRedirect.signIn
        }
        try session.principal.require(permission)
        return session
    }

    /// A form posted by a signed-in staff member: its CSRF token must be this session's, and
    /// the role must allow `permission`.
    func posted(_ request: Request, _ context: KeelRequestContext,
                needs permission: StaffPermission) async throws -> (StaffSession, AdminForm) {
        guard let session = try await currentSession(request, context), session.stage == .active else {
            throw AdminRedirect.signIn
        }
        let form = try await AdminForm(request)
        guard AdminCookies.equal(form["csrf"], session.csrfToken) else { throw Self.csrfRefused }
        try session.principal.require(permission)
        return (session, form)
    }

    static let csrfRefused = AppError(.forbidden, "This form has expired or did not come from the console. Go back, reload the page and try again.")

    // MARK: Responses

    func page(_ template: String, _ page: some Encodable & Sendable, chrome: Chrome,
              status: HTTPResponse.Status = .ok) throws -> Response {
        let html = try templates().renderUTF8("admin/\(template).html", AdminView(chrome: chrome, page: page))
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: html)))
    }

    /// After a change: back to a page (Post/Redirect/Get), with a fixed notice.
    func redirect(_ location: String, done notice: String? = nil) -> Response {
        AdminRedirect(location: notice.map { "\(location)?done=\($0)" } ?? location).response
    }

    static func path(_ context: KeelRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name) else { throw AppError(.invalidInput, "The address is incomplete.") }
        return value
    }

    static func id<ID: Identifier>(_ context: KeelRequestContext, _ name: String, as type: ID.Type,
                                   notFound code: AppError.Code) throws -> ID {
        guard let id = ID(try path(context, name)) else { throw AppError(code, "There is no such record.") }
        return id
    }
}

extension Request {
    /// A query parameter, trimmed; `nil` when absent or blank.
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters[name[...]].map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !value.isEmpty else { return nil }
        return value
    }
}
