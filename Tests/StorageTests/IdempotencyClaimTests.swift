import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

/// The idempotency key's claim and completion around held writes.
@Suite("Idempotency keys: claim and completion")
struct IdempotencyClaimTests {
    @Test("a claim whose lease ran out is taken over; the first holder then cannot complete, and its held writes do not commit")
    func takenOverClaimCannotComplete() async throws {
        let db = try await TestDatabase.shared()
        let tenant = try await makeTenant(db)
        // A lease of no time: the next request with the key may take it over at once.
        let keys = IdempotencyKeys(pool: db.pool, lease: .zero)
        let scope = IdempotencyScope.principal(Principal(tenantID: tenant, userID: .generate(), credential: .session(.generate()),
                                                         role: .owner, requestID: "test"))
        let key = "take-over-\(UUID().uuidString)"
        guard case .proceed(let first) = try await keys.begin(scope: scope, key: key, fingerprint: [7]),
              case .proceed = try await keys.begin(scope: scope, key: key, fingerprint: [7]) else {
            Issue.record("both claims should proceed: the first's lease had run out")
            return
        }
        let answer = StoredResponse(status: 201, contentType: "application/json", body: Array("{}".utf8))
        let error = await #expect(throws: AppError.self) {
            try await db.database.tenant(tenant) { tx in
                try await tx.execute("update accounts.tenants set name = 'First holder' where tenant_id = \(tx.tenantID)")
                try await tx.complete(IdempotentCompletion<Int>(claim: first) { _ in answer }, with: 1)
            }
        }
        #expect(error?.code == .idempotencyKeyInFlight)
        #expect(try await HeldWritesTests.name(of: tenant, in: db.database) != "First holder")
    }
}
