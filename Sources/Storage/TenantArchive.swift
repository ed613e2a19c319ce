import Foundation
public import Kernel

/// Every row one tenant owns, across all modules, as NDJSON (`keel tenants export`, the staff
/// console's download), and the way back into a database that does not have the tenant yet
/// (`keel tenants import`). docs/operations.md describes the file.
///
/// Both go through the tenant path only: the server's role, the tenant's scope, row-level
/// security on. So an export cannot contain another tenant's row (the policies would not show
/// it), and an import cannot write one (their `with check` refuses it). Which tables: every
/// table of Keel's schemas with a `tenant_id` column, found in the catalog, so a table a module
/// adds is exported without a change here; parents before children (foreign keys), each in
/// primary-key order, so an import inserts them in a valid order and two exports of the same
/// data are the same bytes but for the header's time.
public struct TenantArchive: Sendable {
    public static let format = "keel-tenant-export/1"
    /// Rows fetched, and inserted, per round trip.
    static let batch = 500

    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// What was exported or imported: rows per table, in file order.
    public struct Summary: Sendable, Equatable {
        public var tables: [(name: String, rows: Int)] = []
        public var rows: Int { tables.reduce(0) { $0 + $1.rows } }

        public static func == (lhs: Summary, rhs: Summary) -> Bool {
            lhs.tables.map(\.name) == rhs.tables.map(\.name) && lhs.tables.map(\.rows) == rhs.tables.map(\.rows)
        }
    }

    struct Table {
        let name: String
        let oid: Int
        let orderBy: String
        let columns: [String]
    }

    // MARK: Export

    /// Streams the tenant's rows to `write`, one line at a time (no newline), from one
    /// repeatable-read snapshot: a header, then per table a `{"table": …}` line and its rows,
    /// then a manifest with each table's count. `progress` hears each table as it finishes.
    public func export(_ tenantID: TenantID, migration: Int, write: @concurrent (String) async throws -> Void,
                       progress: (String, Int) -> Void = { _, _ in }) async throws -> Summary {
        try await database.tenant(tenantID, isolation: .repeatableRead) { tx in
            let tenant = try await tx.query("select slug from accounts.tenants where tenant_id = \(tenantID)")
            guard let slug = try tenant.first?.decode("slug", as: String.self) else {
                throw AppError(.notFound, "There is no tenant \(tenantID).")
            }
            try await write(Self.json(["format": Self.format, "tenant_id": tenantID.description, "slug": slug,
                                       "migration": migration, "exported_at": ISO8601DateFormatter().string(from: tx.now)]))
            var summary = Summary()
            for table in try await Self.tables(tx) {
                try await write(Self.json(["table": table.name]))
                // The table and its key columns come from the catalog, quoted; nothing to bind.
                try await tx.execute(SQL(unsafeSQL: """
                    declare keel_export no scroll cursor for
                    select row_to_json(t)::text as line from \(Catalog.quoted(table.name)) t order by \(table.orderBy)
                    """))
                var rows = 0
                while true {
                    let lines = try await tx.query(SQL(unsafeSQL: "fetch forward \(Self.batch) from keel_export"))
                    for line in lines { try await write(try line.decode("line", as: String.self)) }
                    rows += lines.count
                    if lines.count < Self.batch { break }
                }
                try await tx.execute("close keel_export")
                summary.tables.append((table.name, rows))
                progress(table.name, rows)
            }
            try await write(Self.json(["manifest": ["tables": Dictionary(uniqueKeysWithValues: summary.tables.map { ($0.name, $0.rows) }),
                                                    "rows": summary.rows]]))
            return summary
        }
    }

    // MARK: Import

    /// The header of an export: which tenant, from which migration.
    public struct Header: Sendable {
        public let tenantID: TenantID
        public let slug: String
        public let migration: Int
    }

    /// Reads an export's first line.
    public static func header(_ line: String) throws -> Header {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              object["format"] as? String == format,
              let id = (object["tenant_id"] as? String).flatMap(TenantID.init), let slug = object["slug"] as? String,
              let migration = object["migration"] as? Int else {
            throw AppError(.invalidInput, "This is not a Keel tenant export (its first line is not a \(format) header).")
        }
        return Header(tenantID: id, slug: slug, migration: migration)
    }

    /// Inserts an export's rows in one transaction of the tenant's: all or nothing. Refuses a
    /// database that already has the tenant, and an export whose counts disagree with its own
    /// manifest (a cut-off file). Rows referring to platform rows (a plan, a product) need those
    /// rows to exist here already.
    public func importRows<Lines: AsyncSequence & Sendable>(_ lines: Lines, progress: (String, Int) -> Void = { _, _ in })
        async throws -> (Header, Summary) where Lines.Element == String {
        var iterator = lines.makeAsyncIterator()
        guard let first = try await iterator.next() else { throw AppError(.invalidInput, "The export is empty.") }
        let header = try Self.header(first)
        return try await database.tenant(header.tenantID) { tx in
            if !(try await tx.query("select 1 from accounts.tenants where tenant_id = \(header.tenantID)")).isEmpty {
                throw AppError(.conflict, "Tenant \(header.slug) (\(header.tenantID)) is already in this database; "
                    + "an import goes into a database without it.")
            }
            let tables = Dictionary(uniqueKeysWithValues: try await Self.tables(tx).map { ($0.name, $0) })
            var summary = Summary()
            var current: Table?
            var pending: [String] = []
            var expected: [String: Int]?
            func flush() async throws {
                guard let table = current, !pending.isEmpty else { return }
                let columns = table.columns.map(Catalog.quoted).joined(separator: ", ")
                // Identifiers from the catalog, quoted; the rows are one bound value.
                let name = Catalog.quoted(table.name)
                try await tx.execute("""
                    insert into \(unsafeRaw: name) (\(unsafeRaw: columns))
                    select \(unsafeRaw: columns) from json_populate_recordset(null::\(unsafeRaw: name), \("[" + pending.joined(separator: ",") + "]")::json)
                    """)
                summary.tables[summary.tables.count - 1].rows += pending.count
                pending.removeAll(keepingCapacity: true)
            }
            while let line = try await iterator.next(isolation: #isolation) {
                if line.hasPrefix(#"{"table":"#) || line.hasPrefix(#"{"manifest":"#) {
                    try await flush()
                    if let done = summary.tables.last { progress(done.name, done.rows) }
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    if let name = object?["table"] as? String {
                        guard let table = tables[name] else {
                            throw AppError(.invalidInput, "The export has a table this database does not: \(name) "
                                + "(it was made at migration \(header.migration)).")
                        }
                        current = table
                        summary.tables.append((name, 0))
                    } else {
                        current = nil
                        expected = (object?["manifest"] as? [String: Any])?["tables"] as? [String: Int]
                    }
                    continue
                }
                guard current != nil else { throw AppError(.invalidInput, "The export has a row outside any table.") }
                pending.append(line)
                if pending.count == Self.batch { try await flush() }
            }
            try await flush()
            let counted = Dictionary(uniqueKeysWithValues: summary.tables.map { ($0.name, $0.rows) })
            guard let expected, expected == counted else {
                throw AppError(.invalidInput, "The export is incomplete: its rows do not match its manifest "
                    + "(cut off, or changed); nothing was imported.")
            }
            return (header, summary)
        }
    }

    // MARK: The catalog

    /// The tables holding tenant rows that the server's role may read, parents first.
    static func tables(_ tx: TenantTransaction) async throws -> [Table] {
        let rows = try await tx.query("""
            select c.oid::int8 as oid, n.nspname || '.' || c.relname as name,
                   coalesce((select string_agg(quote_ident(a.attname), ', ' order by k.ord)
                               from pg_index i cross join lateral unnest(i.indkey) with ordinality k(attnum, ord)
                               join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                              where i.indrelid = c.oid and i.indisprimary), 'ctid') as order_by,
                   (select array_agg(a.attname::text order by a.attnum) from pg_attribute a
                     where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = '') as columns
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('r', 'p') and n.nspname::text = any(\(Catalog.schemas))
               and exists (select from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id' and not t.attisdropped)
               and has_table_privilege(c.oid, 'select')
             order by 2
            """)
        let tables = try rows.map { row in
            Table(name: try row.decode("name"), oid: try row.decode("oid"), orderBy: try row.decode("order_by"),
                  columns: try row.decode("columns", as: [String].self))
        }
        let edges = try await tx.query("""
            select conrelid::int8 as child, confrelid::int8 as parent from pg_constraint
             where contype = 'f' and conrelid <> confrelid
            """).map { (child: try $0.decode("child", as: Int.self), parent: try $0.decode("parent", as: Int.self)) }
        // Parents first (Kahn's algorithm, alphabetical among equals): a stable order.
        let known = Set(tables.map(\.oid))
        var parents = Dictionary(grouping: edges.filter { known.contains($0.child) && known.contains($0.parent) },
                                 by: \.child).mapValues { Set($0.map(\.parent)) }
        var ordered: [Table] = []
        var remaining = tables
        while !remaining.isEmpty {
            guard let next = remaining.firstIndex(where: { (parents[$0.oid] ?? []).isEmpty }) else {
                throw AppError(.internalError, "The tenant tables' foreign keys form a cycle: "
                    + remaining.map(\.name).joined(separator: ", "))
            }
            let table = remaining.remove(at: next)
            ordered.append(table)
            for key in parents.keys { parents[key]?.remove(table.oid) }
        }
        return ordered
    }

    static func json(_ object: [String: Any]) -> String {
        // Sorted keys: the same export is the same bytes.
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8),
               as: UTF8.self)
    }
}
