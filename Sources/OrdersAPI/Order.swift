public import Foundation
public import Kernel

public struct ProductID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

public struct OrderID: Identifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }

    /// The order's short reference, as emails, invoices and the console show it: its id's first
    /// 8 digits (the console's search takes it).
    public var reference: String { String(description.prefix(8)) }

    /// The order as other modules name it: the source of its invoice (`order/<id>`), what an
    /// email is about.
    public var source: String { "order/\(self)" }

    /// The order a source names; nil for anything else (a subscription's invoice).
    public init?(source: String) {
        guard source.hasPrefix("order/"), let id = OrderID(String(source.dropFirst(6))) else { return nil }
        self = id
    }
}

/// Something a tenant can buy beyond its plan, from the platform's catalog (staff manage it).
public struct Product: Sendable, Equatable {
    /// `automatic`: delivered when paid (an add-on); `manual`: delivered by staff (a service).
    public enum Fulfilment: String, Sendable, Codable, CaseIterable { case automatic, manual }

    public let id: ProductID
    public let code: String
    public let name: String
    public let description: String
    public let fulfilment: Fulfilment
    /// One price per currency it is sold in.
    public let prices: [Money]
    /// No longer sold (old orders still show it).
    public let retired: Bool
    /// Seats one piece grants the tenant when delivered (an add-on), if any.
    public let seats: Int?

    public init(id: ProductID, code: String, name: String, description: String, fulfilment: Fulfilment, prices: [Money],
                retired: Bool = false, seats: Int? = nil) {
        self.retired = retired
        self.seats = seats
        self.id = id
        self.code = code
        self.name = name
        self.description = description
        self.fulfilment = fulfilment
        self.prices = prices
    }

    public func price(in currency: Currency) -> Money? { prices.first { $0.currency == currency } }
}

/// What staff ask for when they add a product to the catalog.
public struct NewProduct: Sendable, Equatable {
    public var code: String
    public var name: String
    public var description: String
    public var fulfilment: Product.Fulfilment
    public var prices: [Money]
    /// Seats one piece grants when delivered (an add-on), if any.
    public var seats: Int?

    public init(code: String, name: String, description: String, fulfilment: Product.Fulfilment, prices: [Money], seats: Int? = nil) {
        self.code = code
        self.name = name
        self.description = description
        self.fulfilment = fulfilment
        self.prices = prices
        self.seats = seats
    }
}

/// A tenant's order: its lines, its two statuses, its total.
public struct Order: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public let number: Int
        public let productCode: String
        public let productName: String
        public let quantity: Int
        /// From the catalog while a draft; frozen when placed.
        public let unitAmount: Money
        public let amount: Money
        /// How many of `quantity` were delivered.
        public let fulfilled: Int

        public init(number: Int, productCode: String, productName: String, quantity: Int, unitAmount: Money, amount: Money,
                    fulfilled: Int) {
            self.number = number
            self.productCode = productCode
            self.productName = productName
            self.quantity = quantity
            self.unitAmount = unitAmount
            self.amount = amount
            self.fulfilled = fulfilled
        }
    }

    public let id: OrderID
    public let tenantID: TenantID
    public let status: OrderStatus
    public let paymentStatus: OrderPaymentStatus
    public let currency: Currency
    public let lines: [Line]
    /// What the lines add up to, before any discount and tax.
    public let total: Money
    /// The coupon code the order carries (redeemed by Billing when it is placed).
    public let coupon: String?
    /// What the coupon took off, once placed (zero before, or without one).
    public let discount: Money
    /// What the order's invoice was paid (with its tax), once Billing reported it.
    public let amountPaid: Money?
    /// What was given back so far (never more than `amountPaid`).
    public let refunded: Money
    /// The invoice Billing issued when the order was placed.
    public let invoiceID: UUID?
    public let version: Int
    public let createdAt: Date
    public let placedAt: Date?
    public let canceledAt: Date?

    public init(id: OrderID, tenantID: TenantID, status: OrderStatus, paymentStatus: OrderPaymentStatus, currency: Currency,
                lines: [Line], total: Money, coupon: String? = nil, discount: Money? = nil, amountPaid: Money?, refunded: Money,
                invoiceID: UUID?, version: Int, createdAt: Date, placedAt: Date?, canceledAt: Date?) {
        self.coupon = coupon
        self.discount = discount ?? .zero(currency)
        self.id = id
        self.tenantID = tenantID
        self.status = status
        self.paymentStatus = paymentStatus
        self.currency = currency
        self.lines = lines
        self.total = total
        self.amountPaid = amountPaid
        self.refunded = refunded
        self.invoiceID = invoiceID
        self.version = version
        self.createdAt = createdAt
        self.placedAt = placedAt
        self.canceledAt = canceledAt
    }

    /// What can still be given back.
    public var refundable: Money { (try? amountPaid?.subtracting(refunded)) ?? .zero(currency) }
    /// Pieces still to deliver, over every line.
    public var undelivered: Int { lines.reduce(0) { $0 + $1.quantity - $1.fulfilled } }
}

/// A line as a client asks for it: a product by code, and how many.
public struct NewOrderLine: Sendable, Equatable {
    public let productCode: String
    public let quantity: Int

    public init(productCode: String, quantity: Int) {
        self.productCode = productCode
        self.quantity = quantity
    }
}

/// One entry of an order's timeline: what happened, who did it, when.
public struct OrderTimelineEntry: Sendable, Equatable {
    public let kind: String
    public let actor: OrderActor
    public let occurredAt: Date
    /// What changed, as the entry's kind shows it (`{"total": "50.00 USD"}`).
    public let detail: [String: String]

    public init(kind: String, actor: OrderActor, occurredAt: Date, detail: [String: String]) {
        self.kind = kind
        self.actor = actor
        self.occurredAt = occurredAt
        self.detail = detail
    }
}

/// Which orders a list shows.
public struct OrderFilter: Sendable, Equatable {
    public var status: OrderStatus?
    public var paymentStatus: OrderPaymentStatus?
    /// Created at or after.
    public var createdFrom: Date?
    /// Created before.
    public var createdBefore: Date?
    /// Staff only, across tenants: one tenant's orders.
    public var tenantID: TenantID?
    /// Staff only: orders whose id starts so (a reference from an email, `0193a2b4`).
    public var reference: String?

    public init(status: OrderStatus? = nil, paymentStatus: OrderPaymentStatus? = nil, createdFrom: Date? = nil,
                createdBefore: Date? = nil, tenantID: TenantID? = nil, reference: String? = nil) {
        self.reference = reference
        self.status = status
        self.paymentStatus = paymentStatus
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.tenantID = tenantID
    }
}

/// Staff's delivery of some of an order's pieces: line number → how many more were delivered.
public struct Fulfilment: Sendable, Equatable {
    public let quantities: [Int: Int]
    public let note: String?

    public init(quantities: [Int: Int], note: String?) {
        self.quantities = quantities
        self.note = note
    }
}

extension AppError.Code {
    public static let orderNotFound = Self("order_not_found", kind: .notFound)
    public static let productNotFound = Self("product_not_found", kind: .invalidInput)
    /// A product code is taken (products are retired, never reused).
    public static let productExists = Self("product_exists", kind: .conflict)
    /// The change is not possible in the order's state (a placed order's lines, …).
    public static let orderConflict = Self("order_conflict", kind: .conflict)
    /// Canceling a paid order is staff's (with a refund); a delivered one is refunded instead.
    public static let orderCancelRefused = Self("order_cancel_refused", kind: .conflict)
}
