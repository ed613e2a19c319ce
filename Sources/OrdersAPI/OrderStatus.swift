/// Where an order is in its life, apart from its money (`OrderPaymentStatus`): Saleor's split,
/// so "placed and paid" and "placed and unpaid" are two facts, not two statuses.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    /// Being written: lines can change (`If-Match`), nothing is owed.
    case draft
    /// The total is frozen and invoiced through Billing.
    case placed
    /// Some lines (or some of a line's quantity) were delivered.
    case partiallyFulfilled = "partially_fulfilled"
    /// Everything was delivered.
    case fulfilled
    /// Ended without delivery.
    case canceled
}

/// An order's money.
public enum OrderPaymentStatus: String, Sendable, Codable, CaseIterable {
    case unpaid
    /// The last payment attempt was declined; the order stays payable.
    case failed
    case paid
    case partiallyRefunded = "partially_refunded"
    case refunded
}

/// Who did something to an order, as its timeline shows it.
public enum OrderActor: String, Sendable, Codable, CaseIterable {
    /// A person of the tenant (or their API key).
    case tenant
    /// A staff member, in the console.
    case staff
    /// Keel itself: a payment Billing reported, an automatic fulfilment.
    case system
}
