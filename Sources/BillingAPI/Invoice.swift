public import Foundation
public import Kernel

/// A bill to a tenant. A draft has no number; finalizing gives it the issuer's next number and
/// freezes it (`open`); it ends `paid`, `void` or `uncollectible`.
public struct Invoice: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable { case draft, open, paid, void, uncollectible }
    public enum Reason: String, Sendable, Codable, CaseIterable {
        /// A period of a subscription (the first after a trial, and every renewal).
        case subscriptionCycle = "subscription_cycle"
        /// A plan change's proration.
        case subscriptionUpdate = "subscription_update"
        /// One-off items (Orders, staff).
        case manual
    }

    public let id: InvoiceID
    public let tenantID: TenantID
    public let subscriptionID: SubscriptionID?
    public let number: String?
    public let status: Status
    public let reason: Reason
    public let currency: Currency
    public let lines: [InvoiceLine]
    public let subtotal: Money
    public let tax: Money
    public let total: Money
    public let amountDue: Money
    public let amountPaid: Money
    /// Customer balance (from credit notes) this invoice consumed before anything was due.
    public let balanceApplied: Money
    /// What credit notes against this invoice took off it.
    public let credited: Money
    /// Exclusive tax, in basis points (2000 = 20 %), applied to every line.
    public let taxRateBasisPoints: Int
    public let periodStart: Date?
    public let periodEnd: Date?
    /// Who was billed, as their billing profile read at finalization.
    public let customer: InvoiceCustomer
    public let createdAt: Date
    public let finalizedAt: Date?
    public let dueAt: Date?
    public let paidAt: Date?
    public let voidedAt: Date?
    public let version: Int

    public init(id: InvoiceID, tenantID: TenantID, subscriptionID: SubscriptionID?, number: String?, status: Status,
                reason: Reason, currency: Currency, lines: [InvoiceLine], subtotal: Money, tax: Money, total: Money,
                amountDue: Money, amountPaid: Money, balanceApplied: Money? = nil, credited: Money? = nil, taxRateBasisPoints: Int, periodStart: Date?, periodEnd: Date?,
                customer: InvoiceCustomer, createdAt: Date, finalizedAt: Date?, dueAt: Date?, paidAt: Date?,
                voidedAt: Date?, version: Int) {
        self.id = id
        self.tenantID = tenantID
        self.subscriptionID = subscriptionID
        self.number = number
        self.status = status
        self.reason = reason
        self.currency = currency
        self.lines = lines
        self.subtotal = subtotal
        self.tax = tax
        self.total = total
        self.amountDue = amountDue
        self.amountPaid = amountPaid
        self.balanceApplied = balanceApplied ?? .zero(currency)
        self.credited = credited ?? .zero(currency)
        self.taxRateBasisPoints = taxRateBasisPoints
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.customer = customer
        self.createdAt = createdAt
        self.finalizedAt = finalizedAt
        self.dueAt = dueAt
        self.paidAt = paidAt
        self.voidedAt = voidedAt
        self.version = version
    }
}

public struct InvoiceLine: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case subscription, proration, item, discount }
    public let kind: Kind
    public let description: String
    public let quantity: Int
    public let unitAmount: Money
    public let amount: Money
    public let tax: Money
    public let periodStart: Date?
    public let periodEnd: Date?

    public init(kind: Kind, description: String, quantity: Int, unitAmount: Money, amount: Money, tax: Money,
                periodStart: Date?, periodEnd: Date?) {
        self.kind = kind
        self.description = description
        self.quantity = quantity
        self.unitAmount = unitAmount
        self.amount = amount
        self.tax = tax
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

/// The billed party as the invoice shows it.
public struct InvoiceCustomer: Sendable, Equatable, Codable {
    public let name: String
    public let address: String?
    public let country: String?
    public let taxID: String?
    /// Where billing emails went at finalization (nil: no address on the profile, or an
    /// invoice finalized before addresses were kept here).
    public let email: String?

    public init(name: String, address: String?, country: String?, taxID: String?, email: String? = nil) {
        self.name = name
        self.address = address
        self.country = country
        self.taxID = taxID
        self.email = email
    }
}

/// Who the tenant is on its invoices.
public struct BillingProfile: Sendable, Equatable {
    public let currency: Currency
    /// Where billing emails go (the owner's address at sign-up); `nil` sends none.
    public let email: String?
    public let legalName: String?
    public let address: String?
    /// ISO 3166-1 alpha-2.
    public let country: String?
    public let taxID: String?
    /// Set by staff (there is no tax engine): exclusive, in basis points.
    public let taxRateBasisPoints: Int
    public let hasPaymentMethod: Bool
    /// Credit (from credit notes on paid invoices) the next invoices consume.
    public let balance: Money
    public let version: Int

    public init(currency: Currency, email: String?, legalName: String?, address: String?, country: String?, taxID: String?,
                taxRateBasisPoints: Int, hasPaymentMethod: Bool, balance: Money? = nil, version: Int) {
        self.balance = balance ?? .zero(currency)
        self.currency = currency
        self.email = email
        self.legalName = legalName
        self.address = address
        self.country = country
        self.taxID = taxID
        self.taxRateBasisPoints = taxRateBasisPoints
        self.hasPaymentMethod = hasPaymentMethod
        self.version = version
    }
}

/// A change to the billing profile; `nil` leaves a field as it is, `.some("")` clears it.
public struct BillingProfileChange: Sendable, Equatable {
    public var email: String?
    public var legalName: String?
    public var address: String?
    public var country: String?
    public var taxID: String?
    /// Only while no invoice has been issued: an issued invoice fixes the currency.
    public var currency: String?

    public init(email: String? = nil, legalName: String? = nil, address: String? = nil, country: String? = nil,
                taxID: String? = nil, currency: String? = nil) {
        self.email = email
        self.legalName = legalName
        self.address = address
        self.country = country
        self.taxID = taxID
        self.currency = currency
    }
}

/// The console's view of one tenant's billing.
public struct BillingOverview: Sendable, Equatable {
    public let subscription: Subscription?
    public let profile: BillingProfile
    public let invoices: [Invoice]

    public init(subscription: Subscription?, profile: BillingProfile, invoices: [Invoice]) {
        self.subscription = subscription
        self.profile = profile
        self.invoices = invoices
    }
}
