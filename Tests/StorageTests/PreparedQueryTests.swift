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
}
