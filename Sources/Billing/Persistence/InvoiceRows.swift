import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for `billing.invoices` and `billing.invoice_lines`.
enum InvoiceRows {
    static let columns: SQL = """
        invoice_id, tenant_id, subscription_id, number, status, billing_reason, currency, subtotal, tax, total,
        amount_due, amount_paid, balance_applied, credited, tax_rate_bp, period_start, period_end, customer::text as customer,
        created_at,
        finalized_at, due_at, paid_at, voided_at, version
        """

    /// Inserts an invoice finalized in the same transaction: it has its `number` (from the
    /// counter) and is open from the start. A second invoice for one paid period of a
    /// subscription violates `invoices_one_per_period` and fails the whole transaction (409),
    /// taking its number back with the rollback: no duplicate, no gap.
    static func insertFinalized(_ invoice: Invoice, periodNumber: Int?, in tx: TenantTransaction) async throws -> Invoice {
        let customer = String(decoding: try JSONEncoder().encode(invoice.customer), as: UTF8.self)
        try await tx.execute("""
            insert into billing.invoices
                (tenant_id, invoice_id, subscription_id, number, status, billing_reason, currency, subtotal, tax, total,
                 amount_due, amount_paid, balance_applied, tax_rate_bp, period_start, period_end, period_number, customer,
                 created_at, finalized_at, due_at, paid_at)
            values (\(tx.tenantID), \(invoice.id), \(invoice.subscriptionID), \(invoice.number), \(invoice.status.rawValue),
                    \(invoice.reason.rawValue), \(invoice.currency.code), \(invoice.subtotal.sql), \(invoice.tax.sql),
                    \(invoice.total.sql), \(invoice.amountDue.sql), \(invoice.amountPaid.sql), \(invoice.balanceApplied.sql),
                    \(invoice.taxRateBasisPoints), \(invoice.periodStart), \(invoice.periodEnd), \(periodNumber),
                    \(SQLValue.jsonb(customer)), \(invoice.createdAt), \(invoice.finalizedAt), \(invoice.dueAt), \(invoice.paidAt))
            """)
        for (index, line) in invoice.lines.enumerated() {
            try await tx.execute("""
                insert into billing.invoice_lines
                    (tenant_id, invoice_id, line_no, kind, description, quantity, unit_amount, amount, tax, period_start, period_end)
                values (\(tx.tenantID), \(invoice.id), \(index + 1), \(line.kind.rawValue), \(line.description), \(line.quantity),
                        \(line.unitAmount.sql), \(line.amount.sql), \(line.tax.sql), \(line.periodStart), \(line.periodEnd))
                """)
        }
        guard let saved = try await find(invoice.id, in: tx) else {
            throw AppError(.internalError, "An invoice just written could not be read back.")
        }
        return saved
    }

    static func find(_ id: InvoiceID, in tx: TenantTransaction, lock: Bool = false) async throws -> Invoice? {
        guard let row = try await tx.query("""
            select \(columns) from billing.invoices where tenant_id = \(tx.tenantID) and invoice_id = \(id)
            \(unsafeRaw: lock ? "for update" : "")
            """).first else { return nil }
        return try decode(row, lines: try await lines(of: [id], in: tx)[id] ?? [])
    }

    /// Newest first.
    static func page(_ request: PageRequest, in tx: TenantTransaction) async throws -> Page<Invoice> {
        let rows = try await tx.query("""
            select \(columns) from billing.invoices
             where tenant_id = \(tx.tenantID) and (\(request.after)::uuid is null or invoice_id < \(request.after))
             order by invoice_id desc limit \(request.limit + 1)
            """)
        let ids: [InvoiceID] = try rows.map { try $0.decode("invoice_id") }
        let lines = try await lines(of: ids, in: tx)
        let invoices = try rows.map { row in
            let id: InvoiceID = try row.decode("invoice_id")
            return try decode(row, lines: lines[id] ?? [])
        }
        return Page(fetched: invoices, limit: request.limit, id: \.id.rawValue)
    }

    /// Open invoices of the subscription whose due date has passed.
    static func overdue(subscription: SubscriptionID, at now: Date, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            select count(*)::int as n from billing.invoices
             where tenant_id = \(tx.tenantID) and subscription_id = \(subscription) and status = 'open' and due_at <= \(now)
            """).first?.decode("n") ?? 0
    }

    /// Open invoices of the subscription, any due date.
    static func openCount(subscription: SubscriptionID, in tx: TenantTransaction) async throws -> Int {
        try await tx.query("""
            select count(*)::int as n from billing.invoices
             where tenant_id = \(tx.tenantID) and subscription_id = \(subscription) and status = 'open'
            """).first?.decode("n") ?? 0
    }

    static func markPaid(_ id: InvoiceID, note: String, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.invoices
               set status = 'paid', amount_paid = amount_paid + amount_due, amount_due = 0, paid_at = \(tx.now),
                   paid_note = \(note), next_collection_at = null, version = version + 1
             where tenant_id = \(tx.tenantID) and invoice_id = \(id) and status = 'open'
            """)
    }

    /// A credit note's effect: `applied` off the amount due (settling the invoice when nothing
    /// is left), `amount` added to what was credited.
    static func credit(_ id: InvoiceID, amount: Money, applied: Money, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.invoices
               set credited = credited + \(amount.sql), amount_due = amount_due - \(applied.sql),
                   status = case when status = 'open' and amount_due - \(applied.sql) = 0 then 'paid' else status end,
                   paid_at = case when status = 'open' and amount_due - \(applied.sql) = 0 then \(tx.now) else paid_at end,
                   next_collection_at = case when amount_due - \(applied.sql) = 0 then null else next_collection_at end,
                   version = version + 1
             where tenant_id = \(tx.tenantID) and invoice_id = \(id)
            """)
    }

    static func void(_ id: InvoiceID, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            update billing.invoices set status = 'void', amount_due = 0, voided_at = \(tx.now), next_collection_at = null,
                   version = version + 1
             where tenant_id = \(tx.tenantID) and invoice_id = \(id) and status = 'open'
            """)
    }

    /// Whether the tenant has ever been issued an invoice (its currency is then fixed).
    static func any(in tx: TenantTransaction) async throws -> Bool {
        try await !tx.query("select 1 from billing.invoices where tenant_id = \(tx.tenantID) limit 1").isEmpty
    }

    private static func lines(of ids: [InvoiceID], in tx: TenantTransaction) async throws -> [InvoiceID: [InvoiceLine]] {
        guard !ids.isEmpty else { return [:] }
        var result: [InvoiceID: [InvoiceLine]] = [:]
        for row in try await tx.query("""
            select l.invoice_id, l.kind, l.description, l.quantity, l.unit_amount, l.amount, l.tax, l.period_start,
                   l.period_end, i.currency
              from billing.invoice_lines l join billing.invoices i using (tenant_id, invoice_id)
             where l.tenant_id = \(tx.tenantID) and l.invoice_id = any(\(SQLValue.uuids(ids.map(\.rawValue))))
             order by l.invoice_id, l.line_no
            """) {
            let currency = try row.currency("currency")
            let line = InvoiceLine(kind: try row.decode("kind", as: InvoiceLine.Kind.self), description: try row.decode("description"),
                                   quantity: try row.decode("quantity"), unitAmount: try row.money("unit_amount", currency),
                                   amount: try row.money("amount", currency), tax: try row.money("tax", currency),
                                   periodStart: try row.decode("period_start"), periodEnd: try row.decode("period_end"))
            result[try row.decode("invoice_id"), default: []].append(line)
        }
        return result
    }

    static func decode(_ row: Row, lines: [InvoiceLine]) throws -> Invoice {
        let currency = try row.currency("currency")
        func money(_ column: String) throws -> Money { try row.money(column, currency) }
        let customerJSON: String = try row.decode("customer")
        let customer = try JSONDecoder().decode(InvoiceCustomer.self, from: Data(customerJSON.utf8))
        return Invoice(id: try row.decode("invoice_id"), tenantID: try row.decode("tenant_id"),
                       subscriptionID: try row.decode("subscription_id"), number: try row.decode("number"),
                       status: try row.decode("status", as: Invoice.Status.self),
                       reason: try row.decode("billing_reason", as: Invoice.Reason.self), currency: currency, lines: lines,
                       subtotal: try money("subtotal"), tax: try money("tax"), total: try money("total"),
                       amountDue: try money("amount_due"), amountPaid: try money("amount_paid"),
                       balanceApplied: try money("balance_applied"), credited: try money("credited"),
                       taxRateBasisPoints: try row.decode("tax_rate_bp"), periodStart: try row.decode("period_start"),
                       periodEnd: try row.decode("period_end"), customer: customer, createdAt: try row.decode("created_at"),
                       finalizedAt: try row.decode("finalized_at"), dueAt: try row.decode("due_at"),
                       paidAt: try row.decode("paid_at"), voidedAt: try row.decode("voided_at"), version: try row.decode("version"))
    }
}
