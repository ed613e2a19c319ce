import Kernel

/// Who may call each operation of openapi.yaml. Every route group declares its permission
/// here, keyed by operation id, and the spec says the same in `x-permission` (WebTests
/// checks that the two agree for every operation, and walks role × operation).
enum OperationAccess: Equatable, Sendable {
    /// Anyone, signed in or not.
    case `public`
    /// Any signed-in caller: a person's session or an API key.
    case authenticated
    /// A person's session, never an API key: their own password, MFA, sessions.
    case session
    /// A caller whose role (narrowed by an API key's scopes) has this permission.
    case permission(Permission)

    static let table: [String: OperationAccess] = [
        Operations.SignUp.id: .public,
        Operations.CreateSession.id: .public,
        Operations.CompleteMFAChallenge.id: .public,
        Operations.ListSessions.id: .session,
        Operations.DeleteSession.id: .session,
        Operations.DeleteCurrentSession.id: .session,
        Operations.GetMe.id: .authenticated,
        Operations.ChangePassword.id: .session,
        Operations.ChangeEmail.id: .session,
        Operations.ResendEmailVerification.id: .session,
        Operations.ConfirmEmailVerification.id: .public,
        Operations.RequestPasswordReset.id: .public,
        Operations.ConfirmPasswordReset.id: .public,
        Operations.StartTOTPEnrolment.id: .session,
        Operations.ConfirmTOTPEnrolment.id: .session,
        Operations.DisableMFA.id: .session,
        Operations.RegenerateRecoveryCodes.id: .session,
        Operations.GetTenant.id: .authenticated,
        Operations.UpdateTenant.id: .permission(.tenantManage),
        Operations.ListUsers.id: .permission(.usersRead),
        Operations.GetUser.id: .permission(.usersRead),
        Operations.UpdateUser.id: .permission(.usersManage),
        Operations.DeleteUser.id: .permission(.usersManage),
        Operations.CreateInvitation.id: .permission(.invitationsManage),
        Operations.ListInvitations.id: .permission(.invitationsManage),
        Operations.RevokeInvitation.id: .permission(.invitationsManage),
        Operations.AcceptInvitation.id: .public,
        Operations.CreateAPIKey.id: .permission(.apiKeysManage),
        Operations.ListAPIKeys.id: .permission(.apiKeysManage),
        Operations.RevokeAPIKey.id: .permission(.apiKeysManage),
        Operations.ListAuditEvents.id: .permission(.auditRead),
        Operations.ListPlans.id: .authenticated,
        Operations.GetSubscription.id: .permission(.billingRead),
        Operations.PreviewPlanChange.id: .permission(.billingRead),
        Operations.ChangePlan.id: .permission(.billingManage),
        Operations.CancelSubscription.id: .permission(.billingManage),
        Operations.ResumeSubscription.id: .permission(.billingManage),
        Operations.ListInvoices.id: .permission(.billingRead),
        Operations.GetInvoice.id: .permission(.billingRead),
        Operations.GetInvoicePDF.id: .permission(.billingRead),
        Operations.GetBillingProfile.id: .permission(.billingRead),
        Operations.RedeemCoupon.id: .permission(.billingManage),
        Operations.ListCreditNotes.id: .permission(.billingRead),
        Operations.GetCreditNote.id: .permission(.billingRead),
        Operations.UpdateBillingProfile.id: .permission(.billingManage),
        Operations.PayInvoice.id: .permission(.billingManage),
        Operations.ListPaymentAttempts.id: .permission(.billingRead),
        Operations.GetPaymentMethod.id: .permission(.billingRead),
        Operations.SetPaymentMethod.id: .permission(.billingManage),
        Operations.ListProducts.id: .authenticated,
        Operations.CreateOrder.id: .permission(.ordersManage),
        Operations.ListOrders.id: .permission(.ordersRead),
        Operations.GetOrder.id: .permission(.ordersRead),
        Operations.ReplaceOrderLines.id: .permission(.ordersManage),
        Operations.GetOrderTimeline.id: .permission(.ordersRead),
        Operations.PlaceOrder.id: .permission(.ordersManage),
        Operations.PayOrder.id: .permission(.ordersManage),
        Operations.CancelOrder.id: .permission(.ordersManage),
        Operations.CreateWebhookEndpoint.id: .permission(.webhooksManage),
        Operations.ListWebhookEndpoints.id: .permission(.webhooksManage),
        Operations.ListWebhookEventTypes.id: .permission(.webhooksManage),
        Operations.GetWebhookEndpoint.id: .permission(.webhooksManage),
        Operations.UpdateWebhookEndpoint.id: .permission(.webhooksManage),
        Operations.DeleteWebhookEndpoint.id: .permission(.webhooksManage),
        Operations.RotateWebhookSecret.id: .permission(.webhooksManage),
        Operations.SendWebhookTest.id: .permission(.webhooksManage),
        Operations.ListWebhookMessages.id: .permission(.webhooksManage),
        Operations.ReplayFailedWebhooks.id: .permission(.webhooksManage),
        Operations.ListWebhookAttempts.id: .permission(.webhooksManage),
        Operations.ReplayWebhookMessage.id: .permission(.webhooksManage),
    ]

    /// What a tenant whose subscription is blocked for an unpaid invoice may still do: see
    /// itself, leave, enrol in MFA, read its subscription, invoices and credit notes, pay, and manage the
    /// card. Everything else is a 402 `subscription_blocked`; no data is touched.
    static let openWhileBlocked: Set<String> = [
        Operations.GetMe.id, Operations.DeleteCurrentSession.id,
        // A tenant that requires MFA: whoever will pay must be able to enrol first.
        Operations.StartTOTPEnrolment.id, Operations.ConfirmTOTPEnrolment.id,
        Operations.GetSubscription.id, Operations.GetBillingProfile.id,
        Operations.ListInvoices.id, Operations.GetInvoice.id, Operations.GetInvoicePDF.id,
        Operations.ListCreditNotes.id, Operations.GetCreditNote.id,
        Operations.PayInvoice.id, Operations.ListPaymentAttempts.id,
        Operations.GetPaymentMethod.id, Operations.SetPaymentMethod.id,
    ]

    /// What a person whose tenant requires MFA may do before enrolling: enrol, see themselves,
    /// leave. Everything else is a 403 `mfa_enrolment_required`.
    static let openDuringMFAEnrolment: Set<String> = [
        Operations.GetMe.id, Operations.DeleteCurrentSession.id,
        Operations.StartTOTPEnrolment.id, Operations.ConfirmTOTPEnrolment.id,
    ]

    /// Closed to a staff member's "view as" even when changes were granted: the person's own
    /// credentials, sessions, keys and webhook secrets (support helps, never takes over).
    static let closedDuringImpersonation: Set<String> = [
        Operations.ChangePassword.id, Operations.ChangeEmail.id, Operations.StartTOTPEnrolment.id,
        Operations.ConfirmTOTPEnrolment.id, Operations.DisableMFA.id, Operations.RegenerateRecoveryCodes.id,
        Operations.CreateAPIKey.id, Operations.RevokeAPIKey.id, Operations.DeleteSession.id,
        Operations.CreateWebhookEndpoint.id, Operations.RotateWebhookSecret.id,
    ]

    /// Operations that wait for a verified email address (the module refuses them with
    /// `email_unverified`; `GET /me` lists them in `awaiting_verification`).
    static let needVerifiedEmail = [Operations.CreateInvitation.id, Operations.CreateAPIKey.id]

    /// As written in the spec's `x-permission`.
    var specValue: String {
        switch self {
        case .public: "public"
        case .authenticated: "authenticated"
        case .session: "session"
        case .permission(let permission): permission.rawValue
        }
    }
}
