import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

/// Time is a dependency: the server reads the clock the composition root gives it, so a test
/// moves a `ManualClock` instead of sleeping, and every expiry follows.
@Suite("API: expiry follows the injected clock")
struct ClockAPITests {
    @Test("a session ends when the clock passes its idle timeout, not before")
    func sessionIdleTimeout() async throws {
        // given: a server whose clock stands still, sessions idle out after 10 minutes
        let clock = ManualClock(SystemClock().now)
        try await LiveAPI.run(clock: clock, { $0.sessionIdleSeconds = 600 }) { api, _ in
            let tenant = try await api.signUp()
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .ok)
            // when: nine minutes pass, then eleven more without a request
            clock.advance(by: 540)
            let stillThere = try await api.call(.get, "/v1/me", token: tenant.token)
            clock.advance(by: 601)
            let afterIdle = try await api.call(.get, "/v1/me", token: tenant.token)
            // then: the first was within the limit; the second came after it
            #expect(stillThere.status == .ok, "\(stillThere.text)")
            #expect(afterIdle.status == .unauthorized, "\(afterIdle.text)")
        }
    }

    @Test("an invitation is pending for seven days by the clock, then expired")
    func invitationExpires() async throws {
        // given: a verified owner (inviting waits for a proven address), sessions that outlive
        // the test's eight days, and a fresh invitation
        let clock = ManualClock(SystemClock().now)
        try await LiveAPI.run(clock: clock, { $0.sessionIdleSeconds = 30 * 86_400; $0.sessionAbsoluteSeconds = 30 * 86_400 }) { api, db in
            let tenant = try await api.signUp()
            try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.execute("update accounts.users set email_verified_at = \(tx.now) where user_id = \(UUID(uuidString: tenant.ownerID)!)")
            }
            let invited = try await api.call(.post, "/v1/invitations", json: #"{"email":"later@x.test","role":"member"}"#,
                                             token: tenant.token)
            #expect(invited.status == .created, "\(invited.text)")
            let id = try #require(invited.json["id"].string)
            // when: six days pass, then more than a seventh
            clock.advance(by: 6 * 86_400)
            let sixDays = try await api.call(.get, "/v1/invitations", token: tenant.token)
            clock.advance(by: 86_401)
            let eightDays = try await api.call(.get, "/v1/invitations", token: tenant.token)
            // then
            func state(_ response: APIResponse) -> String? {
                response.json["data"].array.first { $0["id"].string == id }?["state"].string
            }
            #expect(state(sixDays) == "pending", "\(sixDays.text)")
            #expect(state(eightDays) == "expired", "\(eightDays.text)")
        }
    }
}
