import Foundation
import OrdersAPI

/// An order's two state machines, as pure functions, so every rule is in the tables below and a
/// test walks all of them (`Tests/OrdersTests/OrderLifecycleTests`): `OrderStatus` moves by
/// `OrderEvent`, `OrderPaymentStatus` by `PaymentEvent`. Use cases load an order, ask for the
/// next state, and store it.
///
/// | status               | event              | to                   |
/// |----------------------|--------------------|----------------------|
/// | draft                | place              | placed               |
/// | placed               | fulfil(complete)   | fulfilled            |
/// | placed               | fulfil(partial)    | partially_fulfilled  |
/// | partially_fulfilled  | fulfil(partial)    | partially_fulfilled  |
/// | partially_fulfilled  | fulfil(complete)   | fulfilled            |
/// | draft, placed        | cancel             | canceled             |
/// | canceled             | cancel             | canceled             |
/// | anything else        |                    | throws               |
///
/// Why: only a placed order can be delivered, piece by piece; a delivered order (even in part)
/// cannot be canceled — its money can be refunded instead; canceling twice (a double click, a
/// retried request) is not an error. Who may cancel, and whether money goes back, depends on
/// the payment too: `OrderRules.cancel`.
enum OrderEvent: Sendable, Equatable {
    case place
    /// `complete`: every line is now delivered in full.
    case fulfil(complete: Bool)
    case cancel
}

/// Something that happened to an order's money: Billing reported a payment or a declined
/// attempt, or a refund went through (`full`: nothing paid is left).
///
/// | payment              | event            | to                   |
/// |----------------------|------------------|----------------------|
/// | unpaid, failed       | paymentFailed    | failed               |
/// | unpaid, failed       | paid             | paid                 |
/// | paid                 | paid             | paid                 |
/// | paid, and later ones | paymentFailed    | (same)               |
/// | paid, part. refunded | refunded(partial)| partially_refunded   |
/// | paid, part. refunded | refunded(full)   | refunded             |
/// | part. refunded, refunded | paid         | (same)               |
/// | anything else        |                  | throws               |
///
/// Why: Billing's events can arrive twice or late (a failure reported after the success), and
/// a late or duplicate one changes nothing (saleor #12652: an order left unpaid after its
/// payment succeeded); money only moves forward; a refund needs money paid first.
enum PaymentEvent: Sendable, Equatable {
    case paid
    case paymentFailed
    case refunded(full: Bool)
}

enum OrderTransitionError: Error, Equatable, Sendable, CustomStringConvertible {
    case status(OrderStatus, OrderEvent)
    case payment(OrderPaymentStatus, PaymentEvent)

    var description: String {
        switch self {
        case let .status(status, event): "A \(status.phrase) order cannot be \(event.phrase)."
        case let .payment(status, event): "An order whose payment is \(status.phrase) cannot be \(event.phrase)."
        }
    }
}

extension OrderStatus {
    static func transition(from status: OrderStatus, on event: OrderEvent) throws(OrderTransitionError) -> OrderStatus {
        switch (status, event) {
        case (.draft, .place): return .placed
        case (.placed, .fulfil(let complete)), (.partiallyFulfilled, .fulfil(let complete)):
            return complete ? .fulfilled : .partiallyFulfilled
        case (.draft, .cancel), (.placed, .cancel), (.canceled, .cancel): return .canceled
        default: throw .status(status, event)
        }
    }

    /// In words, for messages: "partially fulfilled".
    var phrase: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

extension OrderPaymentStatus {
    static func transition(from status: OrderPaymentStatus, on event: PaymentEvent) throws(OrderTransitionError) -> OrderPaymentStatus {
        switch (status, event) {
        case (.unpaid, .paymentFailed), (.failed, .paymentFailed): return .failed
        case (.unpaid, .paid), (.failed, .paid), (.paid, .paid): return .paid
        case (.paid, .paymentFailed), (.partiallyRefunded, .paymentFailed), (.refunded, .paymentFailed),
             (.partiallyRefunded, .paid), (.refunded, .paid):
            return status
        case (.paid, .refunded(let full)), (.partiallyRefunded, .refunded(let full)):
            return full ? .refunded : .partiallyRefunded
        default: throw .payment(status, event)
        }
    }

    /// Money was taken and not all of it given back.
    var holdsMoney: Bool { self == .paid || self == .partiallyRefunded }

    var phrase: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

extension OrderEvent {
    var phrase: String {
        switch self {
        case .place: "placed"
        case .fulfil(complete: true): "fulfilled"
        case .fulfil(complete: false): "partly fulfilled"
        case .cancel: "canceled"
        }
    }
}

extension PaymentEvent {
    var phrase: String {
        switch self {
        case .paid: "paid"
        case .paymentFailed: "declined"
        case .refunded(full: true): "refunded in full"
        case .refunded(full: false): "refunded in part"
        }
    }
}

/// The rules that look at both machines at once.
enum OrderRules {
    /// What canceling means, by who asks: a draft, or a placed order nobody paid for, is the
    /// tenant's to cancel; a paid order that nothing was delivered of is staff's, and its money
    /// goes back in full; a delivered order (even in part) is never canceled, only refunded.
    enum Cancel: Equatable, Sendable {
        /// Cancel; nothing to give back.
        case cancel
        /// Cancel and refund what was paid.
        case cancelAndRefund
        /// Already canceled: nothing to do.
        case alreadyCanceled
    }

    enum CancelRefusal: Error, Equatable, Sendable {
        /// Delivered, at least in part: refund instead.
        case fulfilled
        /// Paid: only staff may cancel (and refund).
        case paidNeedsStaff
    }

    static func cancel(status: OrderStatus, payment: OrderPaymentStatus, by actor: OrderActor) throws(CancelRefusal) -> Cancel {
        switch status {
        case .canceled: return .alreadyCanceled
        case .partiallyFulfilled, .fulfilled: throw .fulfilled
        case .draft, .placed:
            guard payment.holdsMoney else { return .cancel }
            guard actor != .tenant else { throw .paidNeedsStaff }
            return .cancelAndRefund
        }
    }

    /// Delivery needs the money first.
    static func canFulfil(status: OrderStatus, payment: OrderPaymentStatus) -> Bool {
        (status == .placed || status == .partiallyFulfilled) && payment.holdsMoney
    }
}
