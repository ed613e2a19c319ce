import KeelTesting
import Kernel
import Storage
import Testing

/// A hot query, as a module would declare it.
struct TenantNameByID: PreparedQuery {
    static let sql = "select name from accounts.tenants where tenant_id = $1"
    let tenantID: TenantID
    var arguments: [SQLValue] { [tenantID.rawValue.sqlValue] }
    func decode(_ row: Row) throws -> String { try row.decode("name") }
}

@Suite("Prepared statements")
struct PreparedQueryTests {
    @Test("a prepared query runs repeatedly on the tenant path, and row-level security still applies")
    func preparedQueryRespectsTenant() async throws {
        // given two tenants and a pool of one connection (so the statement is reused)
        let shared = try await TestDatabase.shared()
        let a = try await makeTenant(shared), b = try await makeTenant(shared)
        var config = shared.app
        config.poolSize = 1
        try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
            // when A runs it for itself, several times, and once for B
            for _ in 0..<3 {
                let own = try await pool.database.tenant(a) { tx in try await tx.execute(TenantNameByID(tenantID: a)) }
                #expect(own == ["Tenant \(a)"])
            }
            let foreign = try await pool.database.tenant(a) { tx in try await tx.execute(TenantNameByID(tenantID: b)) }
            // then A never sees B's row
            #expect(foreign.isEmpty)
        }
    }

    @Test("every statement of a scoped transaction is prepared once per connection; a NULL and a value make two; RLS still applies")
    func statementsAreNamed() async throws {
        let shared = try await TestDatabase.shared()
        let a = try await makeTenant(shared), b = try await makeTenant(shared)
        var config = shared.app
        config.poolSize = 1
        try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
            // A text no other test sends, so its name is prepared here first.
            func name(_ id: TenantID, _ note: String?) async throws -> [String] {
                try await pool.database.tenant(a) { tx in
                    try await tx.query("""
                        select coalesce(\(note), '') || name as name from accounts.tenants where tenant_id = \(id) /* named-statements test */
                        """).map { try $0.decode("name") }
                }
            }
            for _ in 0..<4 { #expect(try await name(a, nil) == ["Tenant \(a)"]) }
            #expect(try await name(a, "to ") == ["to Tenant \(a)"], "the same text with a value where it had a NULL")
            #expect(try await name(b, nil).isEmpty, "another tenant's row stays invisible")
            // The one connection holds the statement under names of Keel's, executed again and again.
            let prepared = try await pool.database.tenant(a) { tx in
                try await tx.query("""
                    select name::text, (generic_plans + custom_plans)::int8 as runs from pg_prepared_statements
                     where statement like '%named-statements test%' and statement not like '%pg_prepared_statements%' order by name
                    """).map { (try $0.decode("name", as: String.self), try $0.decode("runs", as: Int.self)) }
            }
            #expect(prepared.count == 2 && prepared.allSatisfy { $0.0.hasPrefix("keel_s") }, "\(prepared)")
            #expect(prepared.map(\.1).max() == 5, "\(prepared)")
        }
    }

    @Test("a statement first prepared in an aborted transaction is prepared again in the next one, on the same connection")
    func failedPreparationIsRetried() async throws {
        let shared = try await TestDatabase.shared()
        let a = try await makeTenant(shared)
        var config = shared.app
        config.poolSize = 1
        try await DatabasePool.withPool(config, logger: TestDatabase.logger) { pool in
            let fresh: SQL = "select name from accounts.tenants where tenant_id = \(a) /* prepared after an abort */"
            // The body catches a failed statement and goes on: PostgreSQL refuses everything after
            // it (25P02), including the preparation of a statement it has not seen yet.
            await #expect(throws: (any Error).self) {
                try await pool.database.tenant(a) { tx in
                    _ = try? await tx.query("select 1 / (select count(*) from accounts.tenants where false) as boom")
                    return try await tx.query(fresh)
                }
            }
            // PostgresNIO keeps a failed preparation's error for the connection's life; the
            // statement is prepared again under a new name instead.
            let rows = try await pool.database.tenant(a) { tx in try await tx.query(fresh).map { try $0.decode("name", as: String.self) } }
            #expect(rows == ["Tenant \(a)"])
        }
    }
}
