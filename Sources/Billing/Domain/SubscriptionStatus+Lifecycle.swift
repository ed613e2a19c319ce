import BillingAPI

/// The subscription lifecycle: `SubscriptionStatus` (declared in BillingAPI, as stored and on
/// the wire) changes only through `transition(from:on:)`, a pure function, so every rule is in
/// one table below and a test walks all of it; use cases load a subscription, ask for the next
/// status, and store it.
///
/// The statuses: trialing (full access, nothing invoiced yet); active (paid up, or the latest
/// invoice is not yet due); past_due (an invoice is unpaid past its due date, or the trial
/// ended without a payment method: access continues through a grace period); blocked (the
/// grace period ran out unpaid: no access until an invoice is paid); canceled (ended for good;
/// a customer who comes back starts a new subscription).
///
/// "Cancel at period end" is deliberately *not* a status: a subscription whose customer asked
/// to stop keeps its status (and its access) until the period it paid for ends. It is a flag on
/// the subscription, `cancelAtPeriodEnd`, that `.resume` clears while the period lasts; when
/// the period ends, the scheduler sees the flag and applies `.cancel` instead of renewing.
/// Keeping it a flag means "active but ending" needs no duplicate of every rule for "active".
extension SubscriptionStatus {
    /// Not canceled: it may still renew, be paid, or be canceled.
    var isLive: Bool { self != .canceled }

    /// Whether the tenant may use the product: trialing, active and past due (the grace
    /// period) do; blocked and canceled do not.
    var grantsAccess: Bool {
        switch self {
        case .trialing, .active, .pastDue: true
        case .blocked, .canceled: false
        }
    }

    /// The next status after `event`, or `SubscriptionTransitionError.notAllowed`.
    ///
    /// | from        | event                                | to         |
    /// |-------------|--------------------------------------|------------|
    /// | trialing    | trialEnded(hasPaymentMethod: true)   | active     |
    /// | trialing    | trialEnded(hasPaymentMethod: false)  | past_due   |
    /// | active      | invoicePaid                          | active     |
    /// | active      | paymentFailed                        | past_due   |
    /// | past_due    | paymentFailed                        | past_due   |
    /// | past_due    | invoicePaid                          | active     |
    /// | past_due    | graceExpired                         | blocked    |
    /// | past_due    | dunningEnded                         | blocked    |
    /// | blocked     | invoicePaid                          | active     |
    /// | any live    | resume                               | (same)     |
    /// | any         | cancel                               | canceled   |
    /// | anything else                                      | throws     |
    ///
    /// Why each rule:
    /// - A trial that ends with a payment method becomes active: the first invoice is issued
    ///   then, and collecting it is a separate step that reports `invoicePaid` or, later,
    ///   `paymentFailed`. Without a payment method there is nothing to collect from, so the
    ///   subscription goes straight to past_due and gets the same grace period as a failed
    ///   payment, then blocked (the documented rule), rather than being cut off on the day.
    /// - `invoicePaid` on an active subscription is accepted and changes nothing, because
    ///   payment notifications can arrive twice (webhooks retry) and the second must not fail.
    /// - Paying brings a past-due or blocked subscription back to active at once.
    /// - A further failed payment while past due (a dunning retry, a declined "pay") changes
    ///   nothing; when dunning's tries are spent (or a hard decline ends it early) the
    ///   subscription is blocked, as when the grace period runs out without a provider.
    /// - `resume` undoes a *scheduled* cancel (the `cancelAtPeriodEnd` flag): the status does
    ///   not change, so it is accepted on every live status. Whether a cancel is actually
    ///   scheduled is the flag's business, checked by the caller. A canceled subscription
    ///   cannot be resumed: an immediate cancel is final.
    /// - Cancel works from every status and is idempotent on canceled, so a double click, a
    ///   retried request or the period-end scheduler racing a customer never errors.
    /// - Everything else (paying a trial, a payment failing on a blocked subscription, the grace
    ///   period expiring twice, any event but cancel on canceled) is a bug or an
    ///   out-of-order message, and is refused loudly rather than guessed at.
    static func transition(
        from status: SubscriptionStatus, on event: SubscriptionEvent
    ) throws(SubscriptionTransitionError) -> SubscriptionStatus {
        switch (status, event) {
        case (.trialing, .trialEnded(hasPaymentMethod: true)): return .active
        case (.trialing, .trialEnded(hasPaymentMethod: false)): return .pastDue
        case (.active, .invoicePaid), (.pastDue, .invoicePaid), (.blocked, .invoicePaid): return .active
        case (.active, .paymentFailed), (.pastDue, .paymentFailed): return .pastDue
        case (.pastDue, .graceExpired), (.pastDue, .dunningEnded): return .blocked
        case (_, .cancel): return .canceled
        case (let live, .resume) where live.isLive: return live
        default: throw .notAllowed(from: status, event: event)
        }
    }

    /// The status in words, for messages: "past due".
    var phrase: String {
        switch self {
        case .trialing: "trialing"
        case .active: "active"
        case .pastDue: "past due"
        case .blocked: "blocked"
        case .canceled: "canceled"
        }
    }
}

/// Something that happened to a subscription, as far as its status cares.
enum SubscriptionEvent: Sendable, Equatable {
    /// The trial period is over; whether the tenant has a payment method on file decides
    /// between active and past due.
    case trialEnded(hasPaymentMethod: Bool)
    /// An open invoice was paid in full.
    case invoicePaid
    /// An invoice went unpaid past its due date.
    case paymentFailed
    /// The grace period after a failed payment (or a trial without a payment method) ran out.
    case graceExpired
    /// The last dunning try failed, or a hard decline ended dunning early (docs/payments.md).
    case dunningEnded
    /// End the subscription now: asked for immediately, or the scheduler acting on
    /// `cancelAtPeriodEnd` when the period ends.
    case cancel
    /// Undo a cancel scheduled for the period end (clear `cancelAtPeriodEnd`) before it happens.
    case resume

    /// The event in words, for messages: "a failed payment".
    var phrase: String {
        switch self {
        case .trialEnded(hasPaymentMethod: true): "the end of the trial with a payment method"
        case .trialEnded(hasPaymentMethod: false): "the end of the trial without a payment method"
        case .invoicePaid: "a paid invoice"
        case .paymentFailed: "a failed payment"
        case .graceExpired: "the end of the grace period"
        case .dunningEnded: "the end of the payment retries"
        case .cancel: "a cancellation"
        case .resume: "a resumption"
        }
    }
}

/// Why a subscription's status could not change: the event makes no sense in that status.
enum SubscriptionTransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAllowed(from: SubscriptionStatus, event: SubscriptionEvent)

    var description: String {
        switch self {
        case let .notAllowed(status, event):
            // "An active subscription…", "A past due subscription…".
            "\(status == .active ? "An" : "A") \(status.phrase) subscription cannot take \(event.phrase)."
        }
    }
}
