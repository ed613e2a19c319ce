import AccountsAPI
import Foundation
import Kernel

/// What every console page shows around its content: the navigation, who is signed in, the
/// sign-out form's CSRF token, and a one-line notice or error.
struct Chrome: Encodable, Sendable {
    var signedIn = false
    var section = ""
    var csrf = ""
    var staffEmail = ""
    var staffRole = ""
    var canManageStaff = false
    var notice: String?
    var error: String?
    /// A "view as" is on: the banner names the person (the page says the rest).
    var viewingAs: String?

    init() {}

    init(_ session: StaffSession, section: String, notice: String? = nil) {
        signedIn = session.stage == .active
        self.section = section
        csrf = session.csrfToken
        staffEmail = session.principal.email
        staffRole = session.principal.role.rawValue
        canManageStaff = session.principal.can(.staffManage)
        self.notice = notice
    }
}

/// A page's model: the chrome and the page's own values (`page.…` in templates).
struct AdminView<Page: Encodable & Sendable>: Encodable, Sendable {
    let chrome: Chrome
    let page: Page
}

/// The notices a redirect after a change may ask for (`?done=locked`). Only these fixed
/// sentences are shown: the query string chooses, it never supplies text.
enum AdminNotice {
    static let texts: [String: String] = [
        "suspended": "The tenant is suspended. Its people are signed out and cannot sign in.",
        "reactivated": "The tenant is active again.",
        "locked": "The user is locked and signed out everywhere.",
        "unlocked": "The user is unlocked and can sign in again.",
        "sessions_ended": "Every session of this user has ended.",
        "reset_sent": "A password-reset email is on its way.",
        "verification_sent": "A new verification email is on its way.",
        "retried": "The message is queued again.",
        "role_changed": "The role is changed.",
        "invited": "The invitation is on its way: the link works once, for 48 hours.",
        "view_ended": "The view has ended; its token no longer works.",
        "retrying": "The failed rows are queued again; rows already done are not repeated.",
        "view_ended_already": "That view had ended already.",
        "deactivated": "The staff member is deactivated and signed out.",
        "unchanged": "Nothing changed: it was like that already.",
        "invoice_paid": "The invoice is marked paid.",
        "trial_extended": "The trial is extended.",
        "tax_rate_set": "The tax rate is set; it applies to invoices issued from now on.",
        "plan_created": "The plan version is added; new subscriptions get it.",
        "plan_retired": "The plan is retired; its subscribers keep it.",
        "invoice_voided": "The invoice is void; nothing is owed on it.",
        "plan_changed": "The plan change is made (or scheduled for the period's end, for a downgrade).",
        "coupon_applied": "The coupon is applied; it discounts the invoices it covers.",
        "credit_note_issued": "The credit note is issued.",
        "collection_retried": "The card was charged; the invoice is paid.",
        "order_fulfilled": "The delivery is recorded on the order.",
        "order_canceled": "The order is canceled (and what was paid is refunded).",
        "order_refunded": "The refund is made; the order shows it.",
        "note_added": "The note is on the order's timeline.",
        "webhook_replayed": "The message is queued again, with the same id, to every endpoint it went to.",
        "event_retried": "The event is queued again; its subscribers that have not handled it yet will.",
        "webhooks_replayed": "Every failed message since that day is queued again, with its id; the list below shows them pending.",
        "webhooks_none_failed": "No message to this endpoint failed since that day: nothing was sent again.",
        "product_created": "The product is on sale.",
        "product_retired": "The product is off sale; orders that have it keep it.",
        "refund_sent": "The refund is sent to the card, with a credit note for it.",
        "refund_retried": "The refund is sent again, and the provider accepted it.",
        // Shown as an error on the invoice page: the refund and its credit note are kept.
        "refund_failed": "The provider did not accept the refund. It is recorded as failed, with its credit note: see why below, and retry it once that is fixed.",
        "signed_out": "You are signed out.",
    ]

    static func text(_ code: String?) -> String? { code.flatMap { texts[$0] } }
}

/// One `<option>` of a select; the template marks the chosen one.
struct Option: Encodable, Sendable {
    let value: String
    let label: String
    let selected: Bool

    static func list(_ choices: [(value: String, label: String)], selected: String) -> [Option] {
        choices.map { Option(value: $0.value, label: $0.label, selected: $0.value == selected) }
    }
}
