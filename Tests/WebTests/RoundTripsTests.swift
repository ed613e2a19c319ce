import Accounts
import AccountsAPI
import Billing
import Foundation
import KeelTesting
import Kernel
import Orders
import OrdersAPI
import Storage
import Testing

/// What an operation costs in round trips to PostgreSQL (docs/storage.md, "The data path"),
/// counted on a pool of the test's own (`DatabasePool.roundTrips`), so nothing else adds to it.
@Suite("Round trips per operation")
struct RoundTripsTests {
    static let answer = StoredResponse(status: 201, contentType: "application/json", body: Array(#"{"ok":true}"#.utf8))

    /// A new tenant's owner, address verified, and the tenant's slug.
    static func owner(_ accounts: AccountsModule, _ pool: DatabasePool) async throws -> (Principal, String) {
        let slug = "rt\(UInt32.random(in: 0...UInt32.max))"
        let signedUp = try await accounts.signUp(SignUp(tenantSlug: slug, tenantName: "Tenant \(slug)", ownerEmail: "owner@\(slug).test",
                                                        ownerPassword: "correct horse battery staple", ownerName: "Owner", requestID: "test"),
                                                 idempotency: nil)
        try await pool.database.tenant(signedUp.tenant.id) { tx in
            try await tx.execute("update accounts.users set email_verified_at = \(tx.now) where user_id = \(signedUp.owner.id)")
        }
        let owner = Principal(tenantID: signedUp.tenant.id, userID: signedUp.owner.id, credential: .session(.generate()), role: .owner,
                              requestID: "test")
        return (owner, slug)
    }

    /// The key's claim under `key`, which must be fresh.
    static func claim(_ keys: IdempotencyKeys, _ owner: Principal, _ key: String) async throws -> IdempotencyClaim {
        let decision = try await keys.begin(scope: .principal(owner), key: key, fingerprint: [1, 2, 3])
        guard case .proceed(let claim) = decision else { throw ClaimRefused(decision: decision) }
        return claim
    }

    struct ClaimRefused: Error { let decision: IdempotencyDecision }

    @Test("an invitation under an Idempotency-Key: the claim is one round trip, the work six (three reads alone; [begin, scope, revoke, insert]; [the event, the audit entry, the key completed]; the commit)")
    func invitation() async throws {
        let db = try await TestDatabase.shared()
        try await db.withPool(clock: SystemClock()) { pool in
            // given: an owner whose address is verified
            let accounts = AccountsModule(db: pool.database, platform: pool.platformDatabase(), hasher: TestHasher.shared)
            let (owner, slug) = try await Self.owner(accounts, pool)
            let tenantID = owner.tenantID
            let keys = IdempotencyKeys(pool: pool)
            let start = pool.roundTrips

            // when: the key is claimed, then the invitation made and the key completed
            let claim = try await Self.claim(keys, owner, "invite-1")
            let claimed = pool.roundTrips
            let invitation = try await accounts.invite(owner, email: "new@\(slug).test", role: .member,
                                                       idempotency: IdempotentCompletion(claim: claim) { _ in Self.answer })
            let done = pool.roundTrips

            // then: one round trip for the claim (it was two), six for the work (it was nine, and
            // eleven before reads went alone: docs/benchmarks.md)
            #expect(claimed - start == 1)
            #expect(done - claimed == 6)
            // and everything the work held back was written, in one transaction with the key's answer
            let replay = try await keys.begin(scope: .principal(owner), key: "invite-1", fingerprint: [1, 2, 3])
            #expect(replay == .replay(Self.answer))
            let written = try await pool.database.tenant(tenantID) { tx in
                let row = try await tx.query("""
                    select (select count(*)::int from accounts.invitations where invitation_id = \(invitation.id)) as invitations,
                           (select count(*)::int from platform.outbox where event_type = \(InvitationCreated.eventType)) as events,
                           (select count(*)::int from platform.audit_log where action = 'invitation.created') as audits
                    """).first!
                return [try row.decode("invitations", as: Int.self), try row.decode("events"), try row.decode("audits")]
            }
            #expect(written == [1, 1, 1])
        }
    }

    @Test("a two-line draft order under an Idempotency-Key: the claim one round trip, the work four (the price list alone; [begin, scope, order, lines, timeline entry, audit entry, the order read back]; the key completed; the commit)")
    func draftOrder() async throws {
        let db = try await TestDatabase.shared()
        try await db.withPool(clock: SystemClock()) { pool in
            let accounts = AccountsModule(db: pool.database, platform: pool.platformDatabase(), hasher: TestHasher.shared)
            let billing = BillingModule(db: pool.database, platform: pool.platformDatabase(), logger: TestDatabase.logger)
            let orders = OrdersModule(db: pool.database, platform: pool.platformDatabase(), billing: billing, billingSupport: billing)
            let (owner, _) = try await Self.owner(accounts, pool)
            let keys = IdempotencyKeys(pool: pool)
            let start = pool.roundTrips
            let claim = try await Self.claim(keys, owner, "order-1")
            let claimed = pool.roundTrips
            let order = try await orders.createDraft(owner, currency: "USD",
                                                     lines: [NewOrderLine(productCode: "extra-seats", quantity: 2),
                                                             NewOrderLine(productCode: "onboarding", quantity: 1)],
                                                     coupon: nil, idempotency: IdempotentCompletion(claim: claim) { _ in Self.answer })
            let done = pool.roundTrips
            // (it was 2 and 10 in this shape's first measurement, docs/benchmarks.md's S6)
            #expect(claimed - start == 1)
            #expect(done - claimed == 4)
            #expect(order.lines.count == 2)
            #expect(try await orders.order(owner, id: order.id).lines.count == 2)
        }
    }
}
