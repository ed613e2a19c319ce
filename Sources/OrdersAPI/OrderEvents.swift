public import Foundation
public import Kernel

// Integration events Orders publishes, each in the transaction of its change. Each carries what
// a reactor needs (the order's reference, total, whom to tell), so Notifications renders without
// calling back into Orders. Whom to tell is the billing profile's address when the order was
// placed (nil: none, and nothing is sent).

/// Who an order's events are about, and whom to tell.
public struct OrderSnapshot: Codable, Sendable, Equatable {
    public let orderID: OrderID
    /// The order's short reference, as emails and the console show it: its id's first 8 digits.
    public let reference: String
    public let total: Money
    public let customerName: String
    public let email: String?
    /// The whole order as it is once the event's change is made (absent from events stored
    /// before it was added): what a webhook sends as `data`.
    public let state: Order?

    public init(orderID: OrderID, total: Money, customerName: String, email: String?, state: Order? = nil) {
        self.orderID = orderID
        self.reference = orderID.reference
        self.total = total
        self.customerName = customerName
        self.email = email
        self.state = state
    }
}

/// One line of an order as an event tells it: what, how many.
public struct OrderItem: Codable, Sendable, Equatable {
    public let productCode: String
    public let productName: String
    public let quantity: Int
    /// Seats these pieces grant the tenant when delivered (an `extra-seats` add-on), else 0.
    public let seats: Int

    public init(productCode: String, productName: String, quantity: Int, seats: Int = 0) {
        self.productCode = productCode
        self.productName = productName
        self.quantity = quantity
        self.seats = seats
    }

    enum CodingKeys: String, CodingKey { case productCode, productName, quantity, seats }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        productCode = try container.decode(String.self, forKey: .productCode)
        productName = try container.decode(String.self, forKey: .productName)
        quantity = try container.decode(Int.self, forKey: .quantity)
        seats = try container.decodeIfPresent(Int.self, forKey: .seats) ?? 0
    }
}

/// An order was placed: its total frozen and invoiced.
public struct OrderPlaced: IntegrationEvent, Equatable {
    public static let eventType = "orders.order_placed.v1"
    public let tenantID: TenantID
    public let order: OrderSnapshot
    public let items: [OrderItem]
    public let invoiceNumber: String?
    public let placedAt: Date

    public init(tenantID: TenantID, order: OrderSnapshot, items: [OrderItem], invoiceNumber: String?, placedAt: Date) {
        self.tenantID = tenantID
        self.order = order
        self.items = items
        self.invoiceNumber = invoiceNumber
        self.placedAt = placedAt
    }
}

/// An order's invoice was paid.
public struct OrderPaid: IntegrationEvent, Equatable {
    public static let eventType = "orders.order_paid.v1"
    public let tenantID: TenantID
    public let order: OrderSnapshot
    public let amountPaid: Money
    public let paidAt: Date

    public init(tenantID: TenantID, order: OrderSnapshot, amountPaid: Money, paidAt: Date) {
        self.tenantID = tenantID
        self.order = order
        self.amountPaid = amountPaid
        self.paidAt = paidAt
    }
}

/// Some of an order was delivered: `items` are what was delivered now (an add-on's seats, an
/// onboarding session); `complete` says nothing is left to deliver.
public struct OrderFulfilled: IntegrationEvent, Equatable {
    public static let eventType = "orders.order_fulfilled.v1"
    public let tenantID: TenantID
    public let order: OrderSnapshot
    public let items: [OrderItem]
    public let complete: Bool
    public let actor: OrderActor
    public let fulfilledAt: Date

    public init(tenantID: TenantID, order: OrderSnapshot, items: [OrderItem], complete: Bool, actor: OrderActor, fulfilledAt: Date) {
        self.tenantID = tenantID
        self.order = order
        self.items = items
        self.complete = complete
        self.actor = actor
        self.fulfilledAt = fulfilledAt
    }
}

/// An order was canceled (by the tenant before paying, or by staff with a full refund).
public struct OrderCanceled: IntegrationEvent, Equatable {
    public static let eventType = "orders.order_canceled.v1"
    public let tenantID: TenantID
    public let order: OrderSnapshot
    public let actor: OrderActor
    public let canceledAt: Date

    public init(tenantID: TenantID, order: OrderSnapshot, actor: OrderActor, canceledAt: Date) {
        self.tenantID = tenantID
        self.order = order
        self.actor = actor
        self.canceledAt = canceledAt
    }
}

/// Money went back for an order: `amount` now, `refundedTotal` so far, `full` when nothing paid
/// is left.
public struct OrderRefunded: IntegrationEvent, Equatable {
    public static let eventType = "orders.order_refunded.v1"
    public let tenantID: TenantID
    public let order: OrderSnapshot
    public let amount: Money
    public let refundedTotal: Money
    public let full: Bool
    public let reason: String
    public let refundedAt: Date

    public init(tenantID: TenantID, order: OrderSnapshot, amount: Money, refundedTotal: Money, full: Bool, reason: String,
                refundedAt: Date) {
        self.tenantID = tenantID
        self.order = order
        self.amount = amount
        self.refundedTotal = refundedTotal
        self.full = full
        self.reason = reason
        self.refundedAt = refundedAt
    }
}

/// An event about one order: whose it is, and the order as the event left it (what a webhook
/// sends). Every order event is one.
public protocol OrderIntegrationEvent: IntegrationEvent {
    var tenantID: TenantID { get }
    var order: OrderSnapshot { get }
}

extension OrderPlaced: OrderIntegrationEvent {}
extension OrderPaid: OrderIntegrationEvent {}
extension OrderFulfilled: OrderIntegrationEvent {}
extension OrderCanceled: OrderIntegrationEvent {}
extension OrderRefunded: OrderIntegrationEvent {}
