import AccountsAPI
import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing

/// The staff account lifecycle in the console, over HTTP: recovery codes, an admin's reset of a
/// member who lost their password or authenticator, and the sign-in back-off.
@Suite("Admin console: the staff account lifecycle")
struct StaffLifecycleTests {
    static func codes(in html: String) -> [String] {
        html.matches(of: /<li><code>([a-z0-9-]{19})<\/code><\/li>/).map { String($0.output.1) }
    }

    @Test("recovery codes: made after a fresh code and shown once; one signs in once, instead of the authenticator")
    func recoveryCodes() async throws {
        try await LiveAPI.run { api, db in
            let member = try await AdminClient.makeStaff(api, db, role: .support)
            let account = try await member.client.get("/admin/account")
            #expect(account.status == .ok && account.text.contains(#"<dd id="codes-left">0 unused</dd>"#), "\(account.text)")

            let wrong = try await member.client.post("/admin/account/recovery-codes", form: ["code": try AdminClient.wrongCode(member.totpSecret)])
            #expect(wrong.status == .unprocessableContent && Self.codes(in: wrong.text).isEmpty)
            // The setup used the current step; the next one is good once.
            let made = try await member.client.post("/admin/account/recovery-codes",
                                                    form: ["code": try AdminClient.totp(member.totpSecret, offset: 1)])
            let codes = Self.codes(in: made.text)
            #expect(made.status == .ok && codes.count == 10 && Set(codes).count == 10, "\(made.text)")
            let again = try await member.client.get("/admin/account")
            #expect(again.text.contains("10 unused") && Self.codes(in: again.text).isEmpty, "shown once")

            // A new browser, no authenticator: a recovery code signs in, once.
            let lost = AdminClient(api)
            _ = try await lost.submitPassword(email: member.email, password: member.password)
            _ = try await lost.get("/admin/login/totp")
            let byCode = try await lost.post("/admin/login/recovery", form: ["recovery_code": codes[0].uppercased()])
            #expect(byCode.redirects(to: "/admin"), "\(byCode.status) \(byCode.text)")
            #expect(try await lost.get("/admin/account").text.contains("9 unused"))
            let thief = AdminClient(api)
            _ = try await thief.submitPassword(email: member.email, password: member.password)
            _ = try await thief.get("/admin/login/totp")
            let reused = try await thief.post("/admin/login/recovery", form: ["recovery_code": codes[0]])
            #expect(reused.status == .unauthorized, "a code works once")
            let audit = try await member.client.get("/admin/audit?action=staff.")
            #expect(audit.text.contains("staff.signed_in_with_recovery_code") && audit.text.contains("staff.recovery_codes_replaced"))
        }
    }

    @Test("an admin resets a member: a one-time password shown once; their TOTP, codes and sessions are gone; nobody resets themself")
    func adminReset() async throws {
        try await LiveAPI.run { api, db in
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let member = try await AdminClient.makeStaff(api, db, role: .support)
            let entry = try #require(AdminClient.staffEntry(member.email, in: try await admin.client.get("/admin/staff").text))
            let (id, version) = (try #require(entry.id), try #require(entry.version))

            let noReason = try await admin.client.post("/admin/staff/\(id)/reset", form: ["reason": "", "version": "\(version)"])
            #expect(noReason.status == .unprocessableContent && AdminClient.oneTimePassword(in: noReason.text) == nil)
            let reason = "Lost their phone \(UInt32.random(in: 0...UInt32.max))"
            let reset = try await admin.client.post("/admin/staff/\(id)/reset", form: ["reason": reason, "version": "\(version)"])
            let oneTimePassword = try #require(AdminClient.oneTimePassword(in: reset.text), "\(reset.status) \(reset.text)")
            #expect(reset.text.contains("must sign in afresh"))
            #expect(AdminClient.oneTimePassword(in: try await admin.client.get("/admin/staff").text) == nil, "shown once")

            // Signed out; the old password is refused; the one-time password leads to setup afresh.
            #expect(try await member.client.get("/admin").redirects(to: "/admin/login"))
            #expect(try await AdminClient(api).submitPassword(email: member.email, password: member.password).status == .unauthorized)
            let newSecret = try await AdminClient(api).firstSignIn(email: member.email, oneTimePassword: oneTimePassword)
            #expect(newSecret != member.totpSecret)

            let audit = try await admin.client.get("/admin/audit?action=staff.reset")
            #expect(audit.text.contains(reason) && audit.text.contains("staff.reset"), "\(audit.text)")
            let me = try #require(AdminClient.staffEntry(admin.email, in: try await admin.client.get("/admin/staff").text))
            let myself = try await admin.client.post("/admin/staff/\(admin.id)/reset",
                                                     form: ["reason": "testing", "version": "\(try #require(me.version))"])
            #expect(myself.status == .forbidden && myself.text.contains("You cannot reset yourself"))
        }
    }

    @Test("staff sign-in backs off per member and address after five failures: the right password is refused meanwhile")
    func backOff() async throws {
        // The server's clock stands still unless moved: the back-off (one second after the sixth
        // failure) cannot run out while a loaded machine is slow to send the next attempt.
        let clock = ManualClock(Date())
        try await LiveAPI.run(clock: clock) { api, db in
            try await AdminClient.$serverClock.withValue(clock) {
                let member = try await AdminClient.makeStaff(api, db, role: .support)
                for _ in 0..<6 {
                    let wrong = try await AdminClient(api).submitPassword(email: member.email, password: "not the password")
                    #expect(wrong.status == .unauthorized)
                }
                let refused = try await AdminClient(api).submitPassword(email: member.email, password: member.password)
                #expect(refused.status == .unauthorized, "backing off: the right password gets the same answer")
                let blocked = try await db.platform.platform("test: back-off") { tx in
                    try await tx.query("""
                        select failures, blocked_until > \(clock.now) as blocked from platform.staff_login_failures
                         where staff_id = \(StaffID(member.id)!)
                        """).first.map { (try $0.decode("failures", as: Int.self), try $0.decode("blocked", as: Bool.self)) }
                }
                #expect(blocked?.0 == 7 && blocked?.1 == true, "\(String(describing: blocked))")
                // Once the wait is over, the right password works and the count starts afresh.
                clock.advance(by: 5)
                #expect(try await AdminClient(api).submitPassword(email: member.email, password: member.password)
                    .redirects(to: "/admin/login/totp"))
                let left = try await db.platform.platform("test: back-off") { tx in
                    try await tx.query("select 1 from platform.staff_login_failures where staff_id = \(StaffID(member.id)!)").count
                }
                #expect(left == 0)
            }
        }
    }

    @Test("an admin invites by email: the link (once, 48 h) opens the first sign-in; a used or expired link is refused")
    func invitationByEmail() async throws {
        try await LiveAPI.run { api, db in
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let email = AdminClient.uniqueEmail("emailed")
            let invited = try await admin.client.post("/admin/staff", form: ["email": email, "name": "Emailed Person", "role": "support"])
            #expect(invited.redirects(to: "/admin/staff?done=invited"), "\(invited.status) \(invited.text)")
            #expect(AdminClient.oneTimePassword(in: invited.text) == nil, "no password to pass on")
            let message = try await Mailbox(db: db).waitFor(to: email, subject: "invited you to the Keel staff console")
            let token = try Mailbox.token("keelt_", in: message)
            #expect(message.text.contains("as support") && message.html.contains(token))
            // The platform's own email, from "Keel": queued under the platform's id, the token sealed beside it.
            let queued = try await db.platform.platform("test: the invitation's message") { tx in
                try await tx.query("""
                    select tenant_id, text_body from notifications.messages where recipient = \(email)
                    """).map { (try $0.decode("tenant_id", as: TenantID.self), try $0.decode("text_body", as: String.self)) }
            }
            #expect(queued.count == 1 && queued[0].0 == .platform && !queued[0].1.contains(token))

            // Opening the link changes nothing; the button starts the first sign-in.
            let newcomer = AdminClient(api)
            let page = try await newcomer.get("/admin/invitation?token=\(token)")
            #expect(page.status == .ok && page.text.contains("accept-invitation"))
            let accepted = try await newcomer.post("/admin/invitation", form: ["token": token])
            #expect(accepted.redirects(to: "/admin/setup"), "\(accepted.status) \(accepted.text)")
            let setup = try await newcomer.get("/admin/setup")
            let secret = try #require(AdminClient.totpSecret(in: setup.text), "\(setup.text)")
            let done = try await newcomer.post("/admin/setup", form: ["new_password": AdminClient.staffPassword,
                                                                      "new_password_confirm": AdminClient.staffPassword,
                                                                      "code": try AdminClient.totp(secret)])
            #expect(done.redirects(to: "/admin"), "\(done.status) \(done.text)")
            #expect(try await newcomer.get("/admin").status == .ok)

            // Used once; and a link past its 48 hours is refused.
            let again = AdminClient(api)
            _ = try await again.get("/admin/invitation?token=\(token)")
            #expect(try await again.post("/admin/invitation", form: ["token": token]).status == .gone)
            let late = AdminClient.uniqueEmail("late")
            _ = try await admin.client.post("/admin/staff", form: ["email": late, "name": "Late", "role": "support"])
            let lateToken = try Mailbox.token("keelt_", in: try await Mailbox(db: db).waitFor(to: late, subject: "invited you"))
            try await db.platform.platform("test: expire the invitation") { tx in
                try await tx.execute("update platform.staff set invite_expires_at = now() - interval '1 second' where email = \(late)")
            }
            let expired = AdminClient(api)
            _ = try await expired.get("/admin/invitation?token=\(lateToken)")
            let refused = try await expired.post("/admin/invitation", form: ["token": lateToken])
            #expect(refused.status == .gone && refused.text.contains("Ask an admin for a new one"))
        }
    }
}
