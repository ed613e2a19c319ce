@testable import Orders
import OrdersAPI
import Testing

/// Both of an order's state machines, walked in full, and the rules that read both.
@Suite("Orders domain: the status and payment state machines, cancel and fulfil rules")
struct OrderLifecycleTests {
    static let events: [OrderEvent] = [.place, .fulfil(complete: false), .fulfil(complete: true), .cancel]

    /// The column of `event`. No `default`, so a new event does not compile until it has one.
    static func column(of event: OrderEvent) -> Int {
        switch event {
        case .place: 0
        case .fulfil(complete: false): 1
        case .fulfil(complete: true): 2
        case .cancel: 3
        }
    }

    static let table: [OrderStatus: [OrderStatus?]] = [
        //                    place    fulfil(part)         fulfil(all) cancel
        .draft:              [.placed, nil,                 nil,        .canceled],
        .placed:             [nil,     .partiallyFulfilled, .fulfilled, .canceled],
        .partiallyFulfilled: [nil,     .partiallyFulfilled, .fulfilled, nil],
        .fulfilled:          [nil,     nil,                 nil,        nil],
        .canceled:           [nil,     nil,                 nil,        .canceled],
    ]

    @Test("order status: every status × every event gives the tabled status or throws")
    func statusTable() throws {
        #expect(Set(Self.table.keys) == Set(OrderStatus.allCases))
        #expect(Self.events.map(Self.column(of:)) == Array(0..<Self.events.count))
        for status in OrderStatus.allCases {
            let row = try #require(Self.table[status])
            for event in Self.events {
                if let next = row[Self.column(of: event)] {
                    #expect(try OrderStatus.transition(from: status, on: event) == next, "\(status) on \(event)")
                } else {
                    #expect(throws: OrderTransitionError.status(status, event), "\(status) on \(event)") {
                        try OrderStatus.transition(from: status, on: event)
                    }
                }
            }
        }
    }

    static let paymentEvents: [PaymentEvent] = [.paid, .paymentFailed, .refunded(full: false), .refunded(full: true)]

    static func column(of event: PaymentEvent) -> Int {
        switch event {
        case .paid: 0
        case .paymentFailed: 1
        case .refunded(full: false): 2
        case .refunded(full: true): 3
        }
    }

    static let paymentTable: [OrderPaymentStatus: [OrderPaymentStatus?]] = [
        //                   paid                paymentFailed       refunded(part)      refunded(all)
        .unpaid:            [.paid,              .failed,            nil,                nil],
        .failed:            [.paid,              .failed,            nil,                nil],
        .paid:              [.paid,              .paid,              .partiallyRefunded, .refunded],
        .partiallyRefunded: [.partiallyRefunded, .partiallyRefunded, .partiallyRefunded, .refunded],
        .refunded:          [.refunded,          .refunded,          nil,                nil],
    ]

    @Test("payment status: every status × every event; late and duplicate reports change nothing")
    func paymentTable() throws {
        #expect(Set(Self.paymentTable.keys) == Set(OrderPaymentStatus.allCases))
        #expect(Self.paymentEvents.map(Self.column(of:)) == Array(0..<Self.paymentEvents.count))
        for status in OrderPaymentStatus.allCases {
            let row = try #require(Self.paymentTable[status])
            for event in Self.paymentEvents {
                if let next = row[Self.column(of: event)] {
                    #expect(try OrderPaymentStatus.transition(from: status, on: event) == next, "\(status) on \(event)")
                } else {
                    #expect(throws: OrderTransitionError.payment(status, event), "\(status) on \(event)") {
                        try OrderPaymentStatus.transition(from: status, on: event)
                    }
                }
            }
        }
    }

    @Test("cancel: the tenant cancels what nobody paid for; staff cancel paid orders with a refund; delivered ones never")
    func cancelRules() throws {
        for payment in OrderPaymentStatus.allCases {
            for actor in OrderActor.allCases {
                #expect(try OrderRules.cancel(status: .canceled, payment: payment, by: actor) == .alreadyCanceled)
                for delivered in [OrderStatus.partiallyFulfilled, .fulfilled] {
                    #expect(throws: OrderRules.CancelRefusal.fulfilled) { try OrderRules.cancel(status: delivered, payment: payment, by: actor) }
                }
                for open in [OrderStatus.draft, .placed] {
                    switch (payment.holdsMoney, actor) {
                    case (false, _):
                        #expect(try OrderRules.cancel(status: open, payment: payment, by: actor) == .cancel)
                    case (true, .tenant):
                        #expect(throws: OrderRules.CancelRefusal.paidNeedsStaff) { try OrderRules.cancel(status: open, payment: payment, by: actor) }
                    case (true, _):
                        #expect(try OrderRules.cancel(status: open, payment: payment, by: actor) == .cancelAndRefund)
                    }
                }
            }
        }
    }

    @Test("fulfil needs a placed order with its money in")
    func fulfilRule() {
        for status in OrderStatus.allCases {
            for payment in OrderPaymentStatus.allCases {
                let expected = (status == .placed || status == .partiallyFulfilled) && (payment == .paid || payment == .partiallyRefunded)
                #expect(OrderRules.canFulfil(status: status, payment: payment) == expected, "\(status), \(payment)")
            }
        }
    }

    @Test("a refused transition reads as a sentence")
    func messages() {
        #expect(OrderTransitionError.status(.fulfilled, .cancel).description == "A fulfilled order cannot be canceled.")
        #expect(OrderTransitionError.payment(.unpaid, .refunded(full: true)).description
                == "An order whose payment is unpaid cannot be refunded in full.")
    }
}
