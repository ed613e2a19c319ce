import Foundation
import Kernel

/// A column that holds sealed secrets, as its module declares it for `keel secrets rotate`.
public struct SealedColumn: Sendable {
    /// `schema.table`; when the table has `tenant_id`, the binding's tenant is that column's.
    public let table: String
    public let column: String
    /// The SQL expression of the binding's row (`user_id::text`).
    public let row: String
    public let purpose: String
    /// `bytea` (the sealed text's UTF-8) rather than `text`.
    public let bytes: Bool
    /// Whether the table has a `tenant_id` column.
    public let tenantScoped: Bool
    /// For a `jsonb` column: the key whose string value is sealed (an event's `token`).
    public let jsonKey: String?
    /// Which rows hold such values, when not all do (SQL).
    public let filter: String

    public init(_ table: String, _ column: String, row: String, purpose: String, bytes: Bool = false, tenantScoped: Bool = true,
                jsonKey: String? = nil, filter: String = "true") {
        (self.table, self.column, self.row, self.purpose, self.bytes) = (table, column, row, purpose, bytes)
        (self.tenantScoped, self.jsonKey, self.filter) = (tenantScoped, jsonKey, filter)
    }

    public var name: String { "\(table).\(column)" + (jsonKey.map { "->\($0)" } ?? "") }

    /// The sealed value as SQL (`text` or `bytea`).
    var value: String { jsonKey.map { "(\(column)->>'\($0)')" } ?? column }
}

/// Re-seals every value of some columns under the key ring's current key (`keel secrets
/// rotate`): values written before sealing, or sealed under an older key. In batches, each
/// value its own short transaction on the path its table is written through (a tenant's rows
/// through the tenant path), and only if it is still the value read (a value changed meanwhile
/// is left to the next pass). Stopping at any point loses nothing; running it again goes on
/// from what is left.
public struct SecretRotation: Sendable {
    let pool: DatabasePool

    public init(pool: DatabasePool) { self.pool = pool }

    public struct Report: Sendable {
        public var resealed = 0
        /// Values that would not open (under a key the ring lacks, or altered): left as they are.
        public var unopenable = 0
    }

    /// Re-seals `column`; `progress` hears the running totals after each batch.
    public func reseal(_ column: SealedColumn, batch: Int = 200,
                       progress: (Report) -> Void = { _ in }) async throws -> Report {
        let ring = try pool.keyRing()
        var report = Report()
        var skipped: [String] = []
        while true {
            let rows = try await candidates(column, current: ring.currentKeyID, skipping: skipped, limit: batch)
            if rows.isEmpty { return report }
            for row in rows {
                let binding = SecretBinding(tenant: row.tenantID, purpose: column.purpose, row: row.row)
                guard let secret = try? ring.open(row.value, for: binding) else {
                    report.unopenable += 1
                    skipped.append(row.ctid)
                    continue
                }
                let sealed = Array(ring.seal(secret, for: binding).utf8)
                if try await replace(column, row, with: sealed) { report.resealed += 1 } else { skipped.append(row.ctid) }
            }
            progress(report)
        }
    }

    /// How many values of `column` are not sealed under the current key.
    public func pending(_ column: SealedColumn) async throws -> Int {
        let ring = try pool.keyRing()
        return try await pool.transaction(.platform(purpose: "secrets pending"), isolation: .readCommitted) { tx in
            try await tx.query("""
                select count(*)::int8 as n from \(unsafeRaw: column.table)
                 where (\(unsafeRaw: column.filter)) and \(unsafeRaw: column.value) is not null and \(notCurrent(column, ring.currentKeyID))
                """)[0].decode("n")
        }
    }

    struct Candidate {
        let ctid: String
        let tenantID: TenantID?
        let row: String
        let value: [UInt8]
    }

    // The table and column names come from the modules' declarations (`SealedColumn`), never
    // from input, so they are spliced as identifiers.
    private func candidates(_ column: SealedColumn, current: String, skipping: [String], limit: Int) async throws -> [Candidate] {
        try await pool.transaction(.platform(purpose: "secrets rotate"), isolation: .readCommitted) { tx in
            try await tx.query("""
                select ctid::text as ctid, \(unsafeRaw: column.tenantScoped ? "tenant_id" : "null::uuid as tenant_id"),
                       (\(unsafeRaw: column.row)) as row,
                       \(unsafeRaw: column.bytes ? column.value : "convert_to(\(column.value), 'UTF8')") as value
                  from \(unsafeRaw: column.table)
                 where (\(unsafeRaw: column.filter)) and \(unsafeRaw: column.value) is not null and \(notCurrent(column, current))
                   and not (ctid = any(\(skipping)::tid[]))
                 limit \(limit)::int
                """).map { row in
                Candidate(ctid: try row.decode("ctid"), tenantID: try row.decode("tenant_id"), row: try row.decode("row"),
                          value: try row.bytes("value") ?? [])
            }
        }
    }

    private func notCurrent(_ column: SealedColumn, _ current: String) -> SQL {
        let prefix = "ks1.\(current)."
        return column.bytes
            ? "substring(\(unsafeRaw: column.value) from 1 for \(prefix.utf8.count)::int) <> convert_to(\(prefix), 'UTF8')"
            : "left(\(unsafeRaw: column.value), \(prefix.utf8.count)::int) <> \(prefix)"
    }

    /// Whether the value was replaced (false: it changed since it was read).
    private func replace(_ column: SealedColumn, _ row: Candidate, with sealed: [UInt8]) async throws -> Bool {
        let value: SQLValue = column.bytes ? .bytes(sealed) : String(decoding: sealed, as: UTF8.self).sqlValue
        let old: SQLValue = column.bytes ? .bytes(row.value) : String(decoding: row.value, as: UTF8.self).sqlValue
        let scope: DatabasePool.Scope = row.tenantID.map { .tenant($0) } ?? .platform(purpose: "secrets rotate")
        return try await pool.transaction(scope, isolation: .readCommitted) { tx in
            let assignment: SQL = column.jsonKey.map { key in
                "\(unsafeRaw: column.column) = jsonb_set(\(unsafeRaw: column.column), array[\(key)], to_jsonb(\(value)::text))"
            } ?? "\(unsafeRaw: column.column) = \(value)"
            return try await !tx.query("""
                update \(unsafeRaw: column.table) set \(assignment)
                 where ctid = \(row.ctid)::tid and \(unsafeRaw: column.value) = \(old)
                returning 1
                """).isEmpty
        }
    }
}

