import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for an invoice's collection schedule (`billing.invoices.next_collection_at`,
/// `collection_stopped`) and the tenant's provider customer and card (`billing.profiles`).
enum CollectionRows {
    /// When the collector next tries the invoice (nil: not scheduled), and why it stopped.
    static func schedule(_ id: InvoiceID, next: Date?, stopped: String?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.invoices set next_collection_at = \(next), collection_stopped = \(stopped)
             where tenant_id = \(tx.tenantID) and invoice_id = \(id)
            """)
    }

    static func state(of id: InvoiceID, in tx: TenantTransaction) async throws -> (next: Date?, stopped: String?) {
        guard let row = try await tx.query("""
            select next_collection_at, collection_stopped from billing.invoices where tenant_id = \(tx.tenantID) and invoice_id = \(id)
            """).first else { return (nil, nil) }
        return (try row.decode("next_collection_at"), try row.decode("collection_stopped"))
    }

    /// Every open invoice with something due is tried now (a new card arrived).
    static func collectOpenNow(in tx: TenantTransaction) async throws -> [InvoiceID] {
        try await tx.query("""
            update billing.invoices set next_collection_at = \(tx.now), collection_stopped = null
             where tenant_id = \(tx.tenantID) and status = 'open' and amount_due > 0
            returning invoice_id
            """).map { try $0.decode("invoice_id") }
    }

    /// Whether an open invoice of the subscription has a collection try scheduled, or one with
    /// the provider now.
    static func retryScheduled(subscription: SubscriptionID, in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("""
            select 1 from billing.invoices i
             where i.tenant_id = \(tx.tenantID) and i.subscription_id = \(subscription) and i.status = 'open'
               and (i.next_collection_at is not null
                    or exists (select 1 from billing.payment_attempts a
                                where a.tenant_id = i.tenant_id and a.invoice_id = i.invoice_id and a.state = 'sending'))
            """).isEmpty
    }

    /// Invoices due for collection, across tenants, oldest first.
    static func due(at now: Date, limit: Int, in tx: PlatformTransaction) async throws -> [(TenantID, InvoiceID, stopped: String?)] {
        try await tx.query("""
            select tenant_id, invoice_id, collection_stopped from billing.invoices
             where next_collection_at <= \(now) and status = 'open' and amount_due > 0
             order by next_collection_at limit \(limit)
            """).map { (try $0.decode("tenant_id"), try $0.decode("invoice_id"), try $0.decode("collection_stopped")) }
    }

    /// Money back to the card: never more than was paid (`invoices_refund_within_paid`).
    static func addRefunded(_ id: InvoiceID, _ amount: Money, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.invoices set refunded = refunded + \(amount.sql), version = version + 1
             where tenant_id = \(tx.tenantID) and invoice_id = \(id)
            """)
    }

    static func refunded(_ id: InvoiceID, in tx: TenantTransaction) async throws -> Int64 {
        Int64(try await tx.query("""
            select refunded from billing.invoices where tenant_id = \(tx.tenantID) and invoice_id = \(id)
            """).first?.decode("refunded", as: Int.self) ?? 0)
    }

    /// An open invoice paid by an attempt of exactly its amount due: what the card paid is
    /// booked as paid, and the schedule ends.
    static func markCollected(_ id: InvoiceID, amount: Money, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.invoices
               set status = 'paid', amount_paid = amount_paid + \(amount.sql), amount_due = 0, paid_at = \(tx.now),
                   next_collection_at = null, collection_stopped = null, version = version + 1
             where tenant_id = \(tx.tenantID) and invoice_id = \(id) and status = 'open' and amount_due = \(amount.sql)
            """)
    }

    // MARK: One-off invoices

    /// The invoice issued for `source` (`order/<id>`), if there is one.
    static func invoice(source: String, in tx: TenantTransaction) async throws -> InvoiceID? {
        try await tx.query("""
            select invoice_id from billing.invoices where tenant_id = \(tx.tenantID) and source = \(source)
            """).first?.decode("invoice_id")
    }

    /// What `id` was issued for, when another module asked for it.
    static func source(of id: InvoiceID, in tx: TenantTransaction) async throws -> String? {
        try await tx.query("select source from billing.invoices where tenant_id = \(tx.tenantID) and invoice_id = \(id)")
            .first?.decode("source")
    }

    static func setSource(_ id: InvoiceID, _ source: String, in tx: TenantTransaction) async throws {
        try await tx.execute("update billing.invoices set source = \(source) where tenant_id = \(tx.tenantID) and invoice_id = \(id)")
    }

    // MARK: The provider customer and card

    struct Payer: Sendable {
        let customer: String?
        let paymentMethod: String?
        let card: PaymentMethodInfo.Card?
    }

    static func payer(in tx: TenantTransaction) async throws -> Payer {
        guard let row = try await tx.query("""
            select provider_customer, payment_method, payment_method_brand, payment_method_last4, payment_method_expires
              from billing.profiles where tenant_id = \(tx.tenantID)
            """).first else { return Payer(customer: nil, paymentMethod: nil, card: nil) }
        let method: String? = try row.decode("payment_method")
        let card = try method.map {
            PaymentMethodInfo.Card(id: $0, brand: try row.decode("payment_method_brand", as: String?.self) ?? "card",
                                   last4: try row.decode("payment_method_last4", as: String?.self) ?? "????",
                                   expires: try row.decode("payment_method_expires", as: String?.self) ?? "")
        }
        return Payer(customer: try row.decode("provider_customer"), paymentMethod: method, card: card)
    }

    static func setCustomer(_ customer: String, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.profiles set provider_customer = \(customer), updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID) and provider_customer is null
            """)
    }

    static func setCard(_ card: PaymentMethodInfo.Card, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.profiles
               set payment_method = \(card.id), payment_method_brand = \(card.brand), payment_method_last4 = \(card.last4),
                   payment_method_expires = \(card.expires), version = version + 1, updated_at = \(tx.now)
             where tenant_id = \(tx.tenantID)
            """)
    }
}
