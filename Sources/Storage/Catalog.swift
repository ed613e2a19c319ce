import Foundation

/// Keel's tables as PostgreSQL's catalog lists them, for the operator tools that walk every
/// table (backups, restore checks, tenant export and import): a table a module adds is covered
/// without a change to them.
public enum Catalog {
    /// The schemas the migrations create: the platform's and one per module.
    public static let schemas = ["platform", "accounts", "billing", "orders", "notifications"]

    /// Every table of Keel's schemas (`schema.table`) and its row count, in the transaction's
    /// snapshot. Counts only what the transaction's role may see: a backup's role sees every row.
    public static func rowCounts(in tx: PlatformTransaction) async throws -> [String: Int] {
        let tables = try await tx.query("""
            select n.nspname || '.' || c.relname as name
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and n.nspname::text = any(\(schemas))
            order by 1
            """).map { try $0.decode("name", as: String.self) }
        var counts: [String: Int] = [:]
        for table in tables {
            // The table's name comes from the catalog, quoted; there is nothing to bind.
            counts[table] = try await tx.query("select count(*) as n from \(unsafeRaw: quoted(table))")[0].decode("n")
        }
        return counts
    }

    /// Every table of Keel's schemas with a `tenant_id` column, and whether row-level security is
    /// enabled and forced on it.
    public static func tenantTables(in tx: PlatformTransaction) async throws -> [(name: String, rlsForced: Bool)] {
        try await tx.query("""
            select n.nspname || '.' || c.relname as name, c.relrowsecurity and c.relforcerowsecurity as forced
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
            where c.relkind in ('r', 'p') and n.nspname::text = any(\(schemas))
            order by 1
            """).map { (try $0.decode("name", as: String.self), try $0.decode("forced", as: Bool.self)) }
    }

    /// `"schema"."table"` (or `"column"`) from `schema.table`, each part quoted for SQL.
    static func quoted(_ qualified: String) -> String {
        qualified.split(separator: ".").map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }.joined(separator: ".")
    }
}
