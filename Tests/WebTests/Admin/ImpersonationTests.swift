import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Testing

/// "View as" over HTTP: support starts it in the console (reason, fresh code, time box), uses the
/// token on the API, and everything the issue asks for is checked on the answers, the user's
/// sessions list and the audit log.
@Suite("Admin console: view as a user")
struct ImpersonationTests {
    static func token(in html: String) -> String? {
        AdminClient.capture(#"<code id="view-as-token">(keelp_[A-Za-z0-9_-]{43})</code>"#, in: html)
    }

    @Test("view as: step-up, reason and time box; answers name the staff member; read-only; the user sees it; audited; ends at the box")
    func viewAs() async throws {
        let clock = ManualClock(Date())
        try await LiveAPI.run(clock: clock) { api, db in
            try await AdminClient.$serverClock.withValue(clock) {
                let tenant = try await api.signUp()
                let support = try await AdminClient.makeStaff(api, db, role: .support)
                let userPath = "/admin/tenants/\(tenant.id)/users/\(tenant.ownerID)"
                #expect(try await support.client.get(userPath).text.contains(#"id="view-as""#))

                func start(reason: String = "Customer asked why an invoice is missing", minutes: String = "15",
                           code: String, write: Bool = false) async throws -> APIResponse {
                    var form = ["reason": reason, "minutes": minutes, "code": code]
                    if write { form["can_write"] = "on" }
                    return try await support.client.post("\(userPath)/view-as", form: form)
                }
                let wrongCode = try await start(code: try AdminClient.wrongCode(support.totpSecret))
                #expect(wrongCode.status == .unprocessableContent && Self.token(in: wrongCode.text) == nil)
                #expect(try await start(reason: " ", code: "000000").status == .unprocessableContent)
                #expect(try await start(minutes: "61", code: try AdminClient.totp(support.totpSecret, offset: 1)).status
                            == .unprocessableContent)

                let page = try await start(code: try AdminClient.totp(support.totpSecret, offset: 1))
                let token = try #require(Self.token(in: page.text), "\(page.status) \(page.text)")
                #expect(page.text.contains(#"id="view-as-banner""#) && page.text.contains("read-only"))

                // The API, as the user, naming who is looking.
                let me = try await api.call(.get, "/v1/me", token: token)
                #expect(me.status == .ok && me.json["user"]["email"].string == tenant.ownerEmail, "\(me.text)")
                #expect(me["Keel-Impersonated-By"]?.contains(support.email) == true)
                let write = try await api.call(.patch, "/v1/tenant", json: #"{"name":"Renamed by support"}"#, token: token,
                                               headers: ["If-Match": "*"])
                #expect(write.status == .forbidden && write.code == "impersonation_read_only", "\(write.text)")
                #expect(write["Keel-Impersonated-By"]?.contains(support.email) == true, "a refusal names them too")

                // The user sees who looked and why.
                let sessions = try await api.call(.get, "/v1/sessions", token: tenant.token)
                let view = sessions.json["data"].array.first { $0["support_view"]["reason"].string != nil }
                #expect(view?["support_view"]["reason"].string == "Customer asked why an invoice is missing", "\(sessions.text)")
                #expect(view?["support_view"]["can_change"].bool == false && view?["support_view"]["ended_at"].isNull == true)

                // With changes granted (a second view, a new code): a change goes through, their
                // credentials never do.
                clock.advance(by: 30)
                let granted = try await start(reason: "Fix their tenant name as asked", code: try AdminClient.totp(support.totpSecret, offset: 1),
                                              write: true)
                let writer = try #require(Self.token(in: granted.text), "\(granted.text)")
                let renamed = try await api.call(.patch, "/v1/tenant", json: #"{"name":"Renamed by support"}"#, token: writer,
                                                 headers: ["If-Match": "*"])
                #expect(renamed.status == .ok, "\(renamed.text)")
                let password = try await api.call(.post, "/v1/me/password",
                                                  json: #"{"current_password":"x","new_password":"another sturdy passphrase"}"#, token: writer)
                #expect(password.status == .forbidden && password.code == "impersonation_forbidden", "\(password.text)")
                let ended = try await support.client.post("\(userPath)/view-as/end",
                                                          form: ["session": try #require(AdminClient.capture(#"name="session" value="([0-9a-f-]{36})""#, in: granted.text))])
                #expect(ended.redirects(to: "\(userPath)?done=view_ended"), "\(ended.status) \(ended.text)")
                #expect(try await api.call(.get, "/v1/me", token: writer).status == .unauthorized)

                // The first view ends at its time box.
                clock.advance(by: 16 * 60)
                #expect(try await api.call(.get, "/v1/me", token: token).status == .unauthorized)
                let after = try await api.call(.get, "/v1/sessions", token: tenant.token)
                let views = after.json["data"].array.filter { $0["support_view"]["reason"].string != nil }
                #expect(views.count == 2 && views.allSatisfy { $0["support_view"]["ended_at"].string != nil }, "\(after.text)")

                // Start, each request, the grant and each end are in the tenant's audit log.
                let audit = try await support.client.get("/admin/audit?tenant=\(tenant.id)&action=impersonation")
                for action in ["impersonation.started", "impersonation.request", "impersonation.write_granted", "impersonation.ended"] {
                    #expect(audit.text.contains(action), "\(action) missing")
                }
                #expect(audit.text.contains("time box") && audit.text.contains("Customer asked why an invoice is missing"))
            }
        }
    }

    @Test("billing-ops may not view as a user; a locked user cannot be viewed as")
    func refused() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let billing = try await AdminClient.makeStaff(api, db, role: .billingOps)
            let userPath = "/admin/tenants/\(tenant.id)/users/\(tenant.ownerID)"
            #expect(!(try await billing.client.get(userPath).text.contains(#"id="view-as""#)))
            let refused = try await billing.client.post("\(userPath)/view-as",
                                                        form: ["reason": "curious", "minutes": "5", "code": try AdminClient.totp(billing.totpSecret, offset: 1)])
            #expect(refused.status == .forbidden)
        }
    }
}
