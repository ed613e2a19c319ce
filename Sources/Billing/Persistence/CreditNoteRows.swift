import BillingAPI
import Foundation
import Kernel
import Storage

/// SQL for `billing.credit_notes` and their lines.
enum CreditNoteRows {
    static let columns: SQL = """
        credit_note_id, invoice_id, number, reason, currency, amount, applied_to_invoice, credited_balance, refunded, created_at
        """

    static func insert(_ note: CreditNote, staff: StaffID?, in tx: TenantTransaction) async throws {
        try await tx.execute("""
            insert into billing.credit_notes
                (tenant_id, credit_note_id, invoice_id, number, reason, currency, amount, applied_to_invoice, credited_balance,
                 refunded, created_by_staff, created_at)
            values (\(tx.tenantID), \(note.id), \(note.invoiceID), \(note.number), \(note.reason), \(note.amount.currency.code),
                    \(note.amount.sql), \(note.appliedToInvoice.sql), \(note.creditedToBalance.sql), \(note.refunded.sql), \(staff),
                    \(note.createdAt))
            """)
        for (index, line) in note.lines.enumerated() {
            try await tx.execute("""
                insert into billing.credit_note_lines (tenant_id, credit_note_id, line_no, description, amount)
                values (\(tx.tenantID), \(note.id), \(index + 1), \(line.description), \(line.amount.sql))
                """)
        }
    }

    static func find(_ id: CreditNoteID, in tx: TenantTransaction) async throws -> CreditNote? {
        guard let row = try await tx.query("""
            select \(columns) from billing.credit_notes where tenant_id = \(tx.tenantID) and credit_note_id = \(id)
            """).first else { return nil }
        return try decode(row, lines: try await lines(of: id, currency: try row.currency("currency"), in: tx))
    }

    /// Newest first.
    static func page(_ request: PageRequest, in tx: TenantTransaction) async throws -> Page<CreditNote> {
        let rows = try await tx.query("""
            select \(columns) from billing.credit_notes
             where tenant_id = \(tx.tenantID) and (\(request.after)::uuid is null or credit_note_id < \(request.after))
             order by credit_note_id desc limit \(request.limit + 1)
            """)
        var notes: [CreditNote] = []
        for row in rows {
            let id: CreditNoteID = try row.decode("credit_note_id")
            notes.append(try decode(row, lines: try await lines(of: id, currency: try row.currency("currency"), in: tx)))
        }
        return Page(fetched: notes, limit: request.limit, id: \.id.rawValue)
    }

    private static func lines(of id: CreditNoteID, currency: Currency, in tx: TenantTransaction) async throws -> [CreditNote.Line] {
        try await tx.query("""
            select description, amount from billing.credit_note_lines
             where tenant_id = \(tx.tenantID) and credit_note_id = \(id) order by line_no
            """).map { CreditNote.Line(description: try $0.decode("description"), amount: try $0.money("amount", currency)) }
    }

    static func decode(_ row: Row, lines: [CreditNote.Line]) throws -> CreditNote {
        let currency = try row.currency("currency")
        return CreditNote(id: try row.decode("credit_note_id"), invoiceID: try row.decode("invoice_id"), number: try row.decode("number"),
                          reason: try row.decode("reason"), lines: lines, amount: try row.money("amount", currency),
                          appliedToInvoice: try row.money("applied_to_invoice", currency),
                          creditedToBalance: try row.money("credited_balance", currency), refunded: try row.money("refunded", currency),
                          createdAt: try row.decode("created_at"))
    }
}
