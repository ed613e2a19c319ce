import Kernel
import Storage

/// SQL for `billing.invoice_counters`: the issuer's next invoice number.
enum InvoiceCounterRows {
    /// Takes the issuer's next number, locking its row until this transaction ends: numbers are
    /// strictly increasing and gap-free (a rollback gives the number back), at the price of
    /// finalizations taking turns. Finalizing transactions are short.
    static func take(issuer: String, in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.query("""
            insert into billing.invoice_counters as c (issuer, next_number) values (\(issuer), 2)
            on conflict (issuer) do update set next_number = c.next_number + 1
            returning next_number - 1 as number
            """)
        return try rows[0].decode("number")
    }
}
