import Accounts
import AccountsAPI
import Foundation
import KeelTesting
import Kernel
import Storage
import Testing

/// What an operation costs in round trips to PostgreSQL (docs/storage.md, "The data path"),
/// counted on a pool of the test's own (`DatabasePool.roundTrips`), so nothing else adds to it.
@Suite("Accounts: round trips")
struct RoundTripsTests {
    @Test("an invitation under an Idempotency-Key: the claim is one round trip, the work six (three reads alone; [begin, scope, revoke, insert]; [the event, the audit entry, the key completed]; the commit)")
    func invitation() async throws {
        let db = try await TestDatabase.shared()
        try await db.withPool(clock: SystemClock()) { pool in
            // given: an owner whose address is verified
            let accounts = AccountsModule(db: pool.database, platform: pool.platformDatabase(), hasher: TestHasher.shared)
            let slug = "rt\(UInt32.random(in: 0...UInt32.max))"
            let signedUp = try await accounts.signUp(SignUp(tenantSlug: slug, tenantName: "Tenant \(slug)", ownerEmail: "owner@\(slug).test",
                                                            ownerPassword: "correct horse battery staple", ownerName: "Owner", requestID: "test"),
                                                     idempotency: nil)
            let tenantID = signedUp.tenant.id
            try await pool.database.tenant(tenantID) { tx in
                try await tx.execute("update accounts.users set email_verified_at = \(tx.now) where user_id = \(signedUp.owner.id)")
            }
            let owner = Principal(tenantID: tenantID, userID: signedUp.owner.id, credential: .session(.generate()), role: .owner,
                                  requestID: "test")
            let keys = IdempotencyKeys(pool: pool)
            let start = pool.roundTrips

            // when: the key is claimed, then the invitation made and the key completed
            let decision = try await keys.begin(scope: .principal(owner), key: "invite-1", fingerprint: [1, 2, 3])
            guard case .proceed(let claim) = decision else {
                Issue.record("a fresh key is claimed, not \(decision)")
                return
            }
            let claimed = pool.roundTrips
            let answer = StoredResponse(status: 201, contentType: "application/json", body: Array(#"{"ok":true}"#.utf8))
            let invitation = try await accounts.invite(owner, email: "new@\(slug).test", role: .member,
                                                       idempotency: IdempotentCompletion(claim: claim) { _ in answer })
            let done = pool.roundTrips

            // then: one round trip for the claim (it was two), six for the work (it was nine, and
            // eleven before reads went alone: docs/benchmarks.md)
            #expect(claimed - start == 1)
            #expect(done - claimed == 6)
            // and everything the work held back was written, in one transaction with the key's answer
            let replay = try await keys.begin(scope: .principal(owner), key: "invite-1", fingerprint: [1, 2, 3])
            #expect(replay == .replay(answer))
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
}
