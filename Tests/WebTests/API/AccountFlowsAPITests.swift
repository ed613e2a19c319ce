@testable import Accounts
import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing

/// The flows of a tenant's people end to end over HTTP, reading the emails from the dev
/// mailbox: the token in the email is what each test uses next.
@Suite("API: signup, verification, reset and invitations, through the mailbox")
struct AccountFlowsAPITests {
    @Test("signup sends welcome and verification; verifying unlocks invitations; the token works once")
    func signUpAndVerify() async throws {
        try await LiveAPI.run { api, db in
            let mailbox = Mailbox(db: db)
            let tenant = try await api.signUp()
            let welcome = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Welcome to")
            #expect(welcome.text.contains(tenant.slug))
            #expect(welcome.mime.contains("From: \"Tenant \(tenant.slug)\"") || welcome.mime.contains("From: Tenant \(tenant.slug)"))
            let verify = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Confirm your email")

            // Unverified: signed in, told what waits, and refused those actions.
            let me = try await api.call(.get, "/v1/me", token: tenant.token)
            #expect(me.json["email_verified"].bool == false)
            #expect(me.json["awaiting_verification"].array.compactMap(\.string) == ["createInvitation", "createAPIKey"])
            let refused = try await api.call(.post, "/v1/invitations", json: #"{"email":"a@x.test","role":"member"}"#,
                                             token: tenant.token)
            #expect(refused.status == .forbidden && refused.code == "email_unverified", "\(refused.text)")

            let token = try Mailbox.token("keelv_", in: verify)
            let confirmed = try await api.call(.post, "/v1/email-verifications", json: #"{"token":"\#(token)"}"#)
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            #expect(confirmed.json["email"].string == tenant.ownerEmail)
            let after = try await api.call(.get, "/v1/me", token: tenant.token)
            #expect(after.json["email_verified"].bool == true && after.json["awaiting_verification"].array.isEmpty)

            let again = try await api.call(.post, "/v1/email-verifications", json: #"{"token":"\#(token)"}"#)
            #expect(again.status == .unprocessableContent && again.code == "invalid_token")
            let resend = try await api.call(.post, "/v1/me/email-verification", token: tenant.token)
            #expect(resend.status == .conflict && resend.code == "already_verified")
            // One welcome, however long the dispatcher keeps running.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await mailbox.messages(to: tenant.ownerEmail, subject: "Welcome to").count == 1)
        }
    }

    @Test("password reset: same answer for unknown addresses, single-use token, every session ended, a notice sent")
    func passwordReset() async throws {
        try await LiveAPI.run { api, db in
            let mailbox = Mailbox(db: db)
            let tenant = try await api.signUp()
            let otherSession = try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail)
            let known = try await api.call(.post, "/v1/password-resets",
                                           json: #"{"tenant_slug":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)"}"#)
            let unknown = try await api.call(.post, "/v1/password-resets",
                                             json: #"{"tenant_slug":"\#(tenant.slug)","email":"nobody@\#(tenant.slug).test"}"#)
            let noTenant = try await api.call(.post, "/v1/password-resets",
                                              json: #"{"tenant_slug":"no-such-\#(tenant.slug)","email":"\#(tenant.ownerEmail)"}"#)
            #expect(known.status == .accepted && unknown.status == .accepted && noTenant.status == .accepted)
            #expect(known.text == unknown.text && unknown.text == noTenant.text)

            let email = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Reset your")
            let token = try Mailbox.token("keelr_", in: email)
            let weak = try await api.call(.post, "/v1/password-resets/confirm", json: #"{"token":"\#(token)","password":"password"}"#)
            #expect(weak.status == .unprocessableContent)
            let newPassword = "a brand new passphrase"
            let reset = try await api.call(.post, "/v1/password-resets/confirm",
                                           json: #"{"token":"\#(token)","password":"\#(newPassword)"}"#)
            #expect(reset.status == .noContent, "\(reset.text)")
            for session in [tenant.token, otherSession] {
                #expect(try await api.call(.get, "/v1/me", token: session).status == .unauthorized)
            }
            let reused = try await api.call(.post, "/v1/password-resets/confirm",
                                            json: #"{"token":"\#(token)","password":"\#(newPassword) 2"}"#)
            #expect(reused.status == .unprocessableContent && reused.code == "invalid_token")
            await #expect(throws: APIFailure.self) { try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail) }
            _ = try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail, password: newPassword)
            let notice = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "password was changed")
            #expect(notice.text.contains("reset with an emailed link"))
            #expect(try await mailbox.messages(to: "nobody@\(tenant.slug).test").isEmpty)
        }
    }

    @Test("invitations: invite, list, accept with the emailed token, single use; revoke; only owners invite owners")
    func invitations() async throws {
        try await LiveAPI.run { api, db in
            let mailbox = Mailbox(db: db)
            let tenant = try await api.signUp()
            try await Self.verify(tenant, api: api, mailbox: mailbox)
            let invitee = "invitee@\(tenant.slug).test"
            let created = try await api.call(.post, "/v1/invitations", json: #"{"email":"\#(invitee)","role":"admin"}"#,
                                             token: tenant.token, headers: ["Idempotency-Key": "invite-1"])
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json["state"].string == "pending")
            let replay = try await api.call(.post, "/v1/invitations", json: #"{"email":"\#(invitee)","role":"admin"}"#,
                                            token: tenant.token, headers: ["Idempotency-Key": "invite-1"])
            #expect(replay["Idempotent-Replayed"] == "true" && replay.json["id"].string == created.json["id"].string)

            let email = try await mailbox.waitFor(to: invitee, subject: "invited you to")
            #expect(try await mailbox.messages(to: invitee, subject: "invited you to").count == 1)
            let token = try Mailbox.token("keeli_", in: email)
            let accepted = try await api.call(.post, "/v1/invitation-acceptances",
                                              json: #"{"token":"\#(token)","name":"Ivy","password":"\#(API.password)"}"#)
            #expect(accepted.status == .created, "\(accepted.text)")
            #expect(accepted.json["user"]["role"].string == "admin" && accepted.json["user"]["email"].string == invitee)
            let adminToken = try await api.logIn(slug: tenant.slug, email: invitee)
            #expect(try await api.call(.get, "/v1/me", token: adminToken).json["email_verified"].bool == true)
            let twice = try await api.call(.post, "/v1/invitation-acceptances",
                                           json: #"{"token":"\#(token)","name":"Ivy","password":"\#(API.password)"}"#)
            #expect(twice.status == .unprocessableContent && twice.code == "invalid_token")

            let list = try await api.call(.get, "/v1/invitations", token: tenant.token)
            #expect(list.json["data"][0]["state"].string == "accepted")
            let revokeAccepted = try await api.call(.delete, "/v1/invitations/\(created.json["id"].string!)", token: tenant.token)
            #expect(revokeAccepted.status == .conflict)

            // An admin invites, but not owners; a revoked invitation's token is dead.
            let owner = try await api.call(.post, "/v1/invitations", json: #"{"email":"o2@\#(tenant.slug).test","role":"owner"}"#,
                                           token: adminToken)
            #expect(owner.status == .forbidden)
            let second = try await api.call(.post, "/v1/invitations", json: #"{"email":"late@\#(tenant.slug).test","role":"member"}"#,
                                            token: adminToken)
            #expect(second.status == .created, "\(second.text)")
            let lateToken = try Mailbox.token("keeli_", in: try await mailbox.waitFor(to: "late@\(tenant.slug).test", subject: "invited"))
            #expect(try await api.call(.delete, "/v1/invitations/\(second.json["id"].string!)", token: adminToken).status == .noContent)
            let dead = try await api.call(.post, "/v1/invitation-acceptances",
                                          json: #"{"token":"\#(lateToken)","name":"Late","password":"\#(API.password)"}"#)
            #expect(dead.status == .unprocessableContent && dead.code == "invalid_token")
            let member = try await api.call(.post, "/v1/invitations", json: #"{"email":"\#(invitee)","role":"member"}"#,
                                            token: tenant.token)
            #expect(member.status == .conflict && member.code == "already_member")
        }
    }

    @Test("change password ends the other sessions and sends a notice; change email waits for the new address")
    func ownAccount() async throws {
        try await LiveAPI.run { api, db in
            let mailbox = Mailbox(db: db)
            let tenant = try await api.signUp()
            try await mailbox.waitFor(to: tenant.ownerEmail, subject: "New sign-in")
            let other = try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail)
            let wrong = try await api.call(.post, "/v1/me/password",
                                           json: #"{"current_password":"not it at all","new_password":"another fine passphrase"}"#,
                                           token: tenant.token)
            #expect(wrong.status == .unprocessableContent && wrong.json["errors"][0]["field"].string == "current_password")
            let changed = try await api.call(.post, "/v1/me/password",
                                             json: #"{"current_password":"\#(API.password)","new_password":"another fine passphrase"}"#,
                                             token: tenant.token)
            #expect(changed.status == .noContent, "\(changed.text)")
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .ok)
            #expect(try await api.call(.get, "/v1/me", token: other).status == .unauthorized)
            let notice = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "password was changed")
            #expect(notice.text.contains("Your other sessions were signed out"))

            let newAddress = "renamed@\(tenant.slug).test"
            let change = try await api.call(.post, "/v1/me/email",
                                            json: #"{"email":"\#(newAddress)","password":"another fine passphrase"}"#,
                                            token: tenant.token)
            #expect(change.status == .accepted && change.json["email"].string == newAddress, "\(change.text)")
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).json["user"]["email"].string == tenant.ownerEmail)
            let token = try Mailbox.token("keelv_", in: try await mailbox.waitFor(to: newAddress, subject: "Confirm your email"))
            #expect(try await api.call(.post, "/v1/email-verifications", json: #"{"token":"\#(token)"}"#).status == .ok)
            let me = try await api.call(.get, "/v1/me", token: tenant.token)
            #expect(me.json["user"]["email"].string == newAddress && me.json["email_verified"].bool == true)
        }
    }

    @Test("an email change tells the address in use, and a password reset from there cancels it")
    func emailChangeNotice() async throws {
        try await LiveAPI.run { api, db in
            let mailbox = Mailbox(db: db)
            let tenant = try await api.signUp()
            // someone signed in as the owner moves the account to their own address
            let intruder = "intruder@\(tenant.slug).test"
            let change = try await api.call(.post, "/v1/me/email", json: #"{"email":"\#(intruder)","password":"\#(API.password)"}"#,
                                            token: tenant.token)
            #expect(change.status == .accepted, "\(change.text)")
            // the address in use is told, with the new one
            let notice = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "email is being changed")
            #expect(notice.text.contains(intruder) && notice.text.contains("reset your password now"), "\(notice.text)")
            let link = try Mailbox.token("keelv_", in: try await mailbox.waitFor(to: intruder, subject: "Confirm your email"))
            // the owner resets the password from their address: that cancels the change
            _ = try await api.call(.post, "/v1/password-resets", json: #"{"tenant_slug":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)"}"#)
            let reset = try Mailbox.token("keelr_", in: try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Reset your"))
            #expect(try await api.call(.post, "/v1/password-resets/confirm",
                                       json: #"{"token":"\#(reset)","password":"the owner's own passphrase"}"#).status == .noContent)
            let used = try await api.call(.post, "/v1/email-verifications", json: #"{"token":"\#(link)"}"#)
            #expect(used.status != .ok, "the intruder's link no longer works: \(used.status)")
            let owner = try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail, password: "the owner's own passphrase")
            #expect(try await api.call(.get, "/v1/me", token: owner).json["user"]["email"].string == tenant.ownerEmail)
        }
    }

    @Test("sessions: a person lists theirs with device and address, and ends one; someone else's is a 404")
    func sessions() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let phone = try await api.call(.post, "/v1/sessions",
                                           json: #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"\#(API.password)"}"#,
                                           headers: ["User-Agent": "KeelPhone/1.0"])
            let phoneToken = try #require(phone.json["token"].string)
            let list = try await api.call(.get, "/v1/sessions", token: tenant.token)
            #expect(list.status == .ok)
            let sessions = list.json["data"].array
            #expect(sessions.count == 2)
            #expect(sessions.filter { $0["current"].bool == true }.count == 1)
            let phoneSession = try #require(sessions.first { $0["user_agent"].string == "KeelPhone/1.0" })
            #expect(phoneSession["ip_address"].string != nil && phoneSession["current"].bool == false)

            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            let foreign = try await api.call(.delete, "/v1/sessions/\(phoneSession["id"].string!)", token: member.token)
            #expect(foreign.status == .notFound)
            #expect(try await api.call(.delete, "/v1/sessions/\(phoneSession["id"].string!)", token: tenant.token).status == .noContent)
            #expect(try await api.call(.get, "/v1/me", token: phoneToken).status == .unauthorized)
            #expect(try await api.call(.get, "/v1/sessions", token: tenant.token).json["data"].array.count == 1)
        }
    }

    /// Confirms the owner's address with the token from their verification email.
    static func verify(_ tenant: API.Tenant, api: API, mailbox: Mailbox) async throws {
        let email = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Confirm your email")
        let token = try Mailbox.token("keelv_", in: email)
        let confirmed = try await api.call(.post, "/v1/email-verifications", json: #"{"token":"\#(token)"}"#)
        guard confirmed.status == .ok else { throw APIFailure("verify: \(confirmed.text)") }
    }
}
