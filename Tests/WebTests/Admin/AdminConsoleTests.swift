import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Testing

/// The staff console over real HTTP, the way a browser uses it: cookies, CSRF tokens in
/// forms, redirects after posts. Every test makes its own staff members and tenants (the
/// database is shared), and signs each member in once (a TOTP step works once per member).
// Serialized: each test starts a server of its own, and twenty at once on top of the other suites
// starve a 2-core machine of database connections (a lease waits at most 5 s).
@Suite("Admin console: handlers over HTTP", .serialized)
struct AdminConsoleTests {
    static func userPath(_ tenant: API.Tenant) -> String { "/admin/tenants/\(tenant.id)/users/\(tenant.ownerID)" }

    static func random() -> UInt32 { UInt32.random(in: 0...UInt32.max) }

    // MARK: Signing in and out

    @Test("sign-in: a wrong password gets no cookie; password then TOTP, each step a new cookie; the pre-TOTP token dies")
    func signIn() async throws {
        try await LiveAPI.run { api, db in
            let staff = try await AdminClient.makeStaff(api, db, role: .support)
            // A second browser signs the same member in again (the one sign-in after setup this suite makes).
            let client = AdminClient(api)

            let wrong = try await client.submitPassword(email: staff.email, password: "not the password at all")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.isHTML)
            #expect(wrong.text.contains("The email or password is not right."))
            #expect(wrong.setCookie(named: AdminClient.sessionCookie) == nil)
            #expect(client.sessionToken == nil)

            let accepted = try await client.post("/admin/login", form: ["email": staff.email, "password": staff.password])
            #expect(accepted.redirects(to: "/admin/login/totp"), "\(accepted.status) \(accepted.location ?? "")")
            let cookie = try #require(accepted.setCookie(named: AdminClient.sessionCookie))
            #expect(cookie.has("Secure"))
            #expect(cookie.has("HttpOnly"))
            #expect(cookie["SameSite"] == "Strict")
            #expect(cookie["Path"] == "/")
            #expect(cookie["Domain"] == nil, "__Host- cookies carry no Domain")
            let preTOTP = cookie.value

            // Half signed in is not signed in.
            let early = try await client.get("/admin")
            #expect(early.redirects(to: "/admin/login"))

            let codePage = try await client.get("/admin/login/totp")
            #expect(codePage.status == .ok)
            let badCode = try await client.post("/admin/login/totp", form: ["code": try AdminClient.wrongCode(staff.totpSecret)])
            #expect(badCode.status == .unauthorized)
            #expect(badCode.isHTML)

            // The step after the one setup used (the server allows one step of drift).
            let goodCode = try await client.post("/admin/login/totp",
                                                 form: ["code": try AdminClient.totp(staff.totpSecret, offset: 1)])
            #expect(goodCode.redirects(to: "/admin"), "\(goodCode.status) \(goodCode.text)")
            let active = try #require(goodCode.setCookie(named: AdminClient.sessionCookie))
            #expect(active.value != preTOTP)
            #expect(active.has("Secure") && active.has("HttpOnly") && active["SameSite"] == "Strict")
            #expect(goodCode.setCookie(named: AdminClient.signInCookie)?.clears == true, "the sign-in form's cookie is dropped")
            let dashboard = try await client.get("/admin")
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains(staff.email))

            // The token seen before TOTP is worth nothing now.
            let replay = AdminClient(api)
            replay.setCookie(AdminClient.sessionCookie, to: preTOTP)
            let old = try await replay.get("/admin")
            #expect(old.redirects(to: "/admin/login"))
        }
    }

    @Test("first sign-in: the one-time password leads to setup only; mismatched or common passwords are refused with 422")
    func firstSignInSetup() async throws {
        try await LiveAPI.run { api, db in
            let created = try await AdminClient.createStaff(db, role: .support)
            let client = AdminClient(api)
            let first = try await client.submitPassword(email: created.email, password: created.oneTimePassword)
            #expect(first.redirects(to: "/admin/setup"), "\(first.status) \(first.location ?? "") \(first.text)")
            #expect(first.setCookie(named: AdminClient.sessionCookie) != nil)

            // Before setup is done, the console itself is out of reach.
            let blocked = try await client.get("/admin")
            #expect(blocked.redirects(to: "/admin/login"))

            let setup = try await client.get("/admin/setup")
            #expect(setup.status == .ok)
            let secret = try #require(AdminClient.totpSecret(in: setup.text))

            let mismatched = try await client.post("/admin/setup", form: [
                "new_password": "a sturdy staff passphrase", "new_password_confirm": "another sturdy passphrase",
                "code": try AdminClient.totp(secret),
            ])
            #expect(mismatched.status == .unprocessableContent)
            #expect(mismatched.text.contains("The two passwords are not the same."))
            #expect(AdminClient.totpSecret(in: mismatched.text) == secret, "the same secret is shown again")

            let common = try await client.post("/admin/setup", form: [
                "new_password": "password1", "new_password_confirm": "password1", "code": try AdminClient.totp(secret),
            ])
            #expect(common.status == .unprocessableContent)
            #expect(common.isHTML)

            let done = try await client.post("/admin/setup", form: [
                "new_password": AdminClient.staffPassword, "new_password_confirm": AdminClient.staffPassword,
                "code": try AdminClient.totp(secret),
            ])
            #expect(done.redirects(to: "/admin"), "\(done.status) \(done.text)")
            #expect(try await client.get("/admin").status == .ok)

            // The one-time password was replaced.
            let again = try await AdminClient(api).submitPassword(email: created.email, password: created.oneTimePassword)
            #expect(again.status == .unauthorized)
        }
    }

    @Test("sign-out ends the session on the server: the old cookie value no longer works")
    func signOut() async throws {
        try await LiveAPI.run { api, db in
            let staff = try await AdminClient.makeStaff(api, db, role: .support)
            let token = try #require(staff.client.sessionToken)
            let out = try await staff.client.post("/admin/logout")
            #expect(out.redirects(to: "/admin/login?done=signed_out"), "\(out.status) \(out.location ?? "")")
            #expect(out.setCookie(named: AdminClient.sessionCookie)?.clears == true)
            #expect(staff.client.sessionToken == nil)

            let replay = AdminClient(api)
            replay.setCookie(AdminClient.sessionCookie, to: token)
            let after = try await replay.get("/admin")
            #expect(after.redirects(to: "/admin/login"))
        }
    }

    @Test("console responses carry a strict CSP without inline script, nosniff, a referrer policy and no-store")
    func securityHeaders() async throws {
        try await LiveAPI.run { api, db in
            let staff = try await AdminClient.makeStaff(api, db, role: .support)
            let anonymous = AdminClient(api)
            var responses: [(String, APIResponse)] = []
            responses.append(("GET /admin/login", try await anonymous.get("/admin/login")))
            responses.append(("GET /admin anonymous (redirect)", try await anonymous.get("/admin")))
            responses.append(("GET /admin", try await staff.client.get("/admin")))
            responses.append(("GET /admin/tenants", try await staff.client.get("/admin/tenants")))
            responses.append(("GET /admin/tenants/not-a-uuid (error page)", try await staff.client.get("/admin/tenants/not-a-uuid")))
            responses.append(("POST /admin/logout cross-site (refused)", try await staff.client.post("/admin/logout", fetchSite: "cross-site")))
            for (what, response) in responses {
                let csp = response["Content-Security-Policy"] ?? ""
                #expect(csp.contains("default-src 'none'"), "\(what): \(csp)")
                #expect(csp.contains("frame-ancestors 'none'"), "\(what): \(csp)")
                #expect(!csp.contains("unsafe-inline"), "\(what): \(csp)")
                #expect(response["X-Content-Type-Options"] == "nosniff", "\(what)")
                #expect(response["Referrer-Policy"] != nil, "\(what)")
                #expect(response["Cache-Control"] == "no-store", "\(what)")
            }
        }
    }

    // MARK: CSRF and safe methods

    @Test("every unsafe route refuses a missing or wrong token, a cross-site fetch and a foreign Origin; nothing changes")
    func csrfOnEveryUnsafeRoute() async throws {
        try await LiveAPI.run { api, db in
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let tenant = try await api.signUp()
            let target = try await AdminClient.createStaff(db, role: .support)
            let user = Self.userPath(tenant)
            let tenantVersion = try #require(AdminClient.version(in: try await admin.client.get("/admin/tenants/\(tenant.id)").text))
            let userVersion = try #require(AdminClient.version(in: try await admin.client.get(user).text))
            let intruder = AdminClient.uniqueEmail("csrf-intruder")
            let message = UUID().uuidString.lowercased()

            // Each form as the console would send it, so only the CSRF and origin checks stand in the way.
            let routes: [(path: String, form: [String: String])] = [
                ("/admin/logout", [:]),
                ("/admin/tenants/\(tenant.id)/status", ["status": "suspended", "reason": "csrf probe", "version": "\(tenantVersion)"]),
                ("\(user)/lock", ["reason": "csrf probe", "version": "\(userVersion)"]),
                ("\(user)/unlock", ["reason": "csrf probe", "version": "\(userVersion)"]),
                ("\(user)/end-sessions", ["reason": "csrf probe"]),
                ("\(user)/send-reset", [:]),
                ("\(user)/resend-verification", [:]),
                ("/admin/mail/\(message)/retry", [:]),
                ("/admin/outbox/\(EventID.generate())/retry", ["reason": "csrf probe"]),
                ("/admin/staff", ["email": intruder, "name": "Intruder", "role": "admin"]),
                ("/admin/staff/\(target.id)/role", ["role": "admin", "version": "1"]),
                ("/admin/staff/\(target.id)/deactivate", ["version": "1"]),
            ]
            for route in routes {
                let missing = try await admin.client.post(route.path, form: route.form, includeCSRF: false)
                #expect(missing.status == .forbidden, "no token: \(route.path) → \(missing.status)")

                var wrongForm = route.form
                wrongForm["csrf"] = String(repeating: "A", count: 43)
                let wrong = try await admin.client.post(route.path, form: wrongForm)
                #expect(wrong.status == .forbidden, "wrong token: \(route.path) → \(wrong.status)")

                let crossSite = try await admin.client.post(route.path, form: route.form, fetchSite: "cross-site")
                #expect(crossSite.status == .forbidden, "cross-site: \(route.path) → \(crossSite.status)")
                #expect(crossSite.text.contains("sent from another site"), "\(route.path)")

                let foreign = try await admin.client.post(route.path, form: route.form,
                                                          headers: ["Origin": "http://evil.example"], fetchSite: nil)
                #expect(foreign.status == .forbidden, "foreign Origin: \(route.path) → \(foreign.status)")
            }

            // Nothing happened: still signed in, the user unlocked with live sessions, the tenant
            // active, no staff created or changed, no action in the tenant's audit log.
            #expect(try await admin.client.get("/admin").status == .ok)
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .ok)
            let userPage = try await admin.client.get(user)
            #expect(AdminClient.badge("user-status", in: userPage.text) == "active")
            #expect(AdminClient.version(in: userPage.text) == userVersion)
            let tenantPage = try await admin.client.get("/admin/tenants/\(tenant.id)")
            #expect(AdminClient.badge("tenant-status", in: tenantPage.text) == "active")
            #expect(AdminClient.version(in: tenantPage.text) == tenantVersion)
            let staffPage = try await admin.client.get("/admin/staff")
            #expect(!staffPage.text.contains(intruder))
            let entry = try #require(AdminClient.staffEntry(target.email, in: staffPage.text))
            #expect(entry.role == "support" && entry.status == "active" && entry.version == 1, "\(entry)")
            let audit = try await admin.client.get("/admin/audit?tenant=\(tenant.id)")
            #expect(audit.status == .ok)
            for action in ["tenant.suspended", "user.locked", "user.unlocked", "user.sessions_ended",
                           "user.password_reset_sent", "user.verification_resent"] {
                #expect(!audit.text.contains(action), "\(action) was recorded")
            }
        }
    }

    @Test("the sign-in form needs its CSRF token too")
    func csrfOnSignIn() async throws {
        try await LiveAPI.run { api, _ in
            let client = AdminClient(api)
            #expect(try await client.get("/admin/login").status == .ok)
            let credentials = ["email": AdminClient.uniqueEmail("nobody"), "password": "whatever it is"]

            let missing = try await client.post("/admin/login", form: credentials, includeCSRF: false)
            #expect(missing.status == .forbidden)
            var wrongForm = credentials
            wrongForm["csrf"] = String(repeating: "A", count: 43)
            let wrong = try await client.post("/admin/login", form: wrongForm)
            #expect(wrong.status == .forbidden)
            let crossSite = try await client.post("/admin/login", form: credentials, fetchSite: "cross-site")
            #expect(crossSite.status == .forbidden)

            // With the token the form is read: an unknown member is a plain 401.
            let read = try await client.post("/admin/login", form: credentials)
            #expect(read.status == .unauthorized)
        }
    }

    @Test("a GET to an action's address changes nothing")
    func noStateChangeOnGet() async throws {
        try await LiveAPI.run { api, db in
            let staff = try await AdminClient.makeStaff(api, db, role: .admin)
            let tenant = try await api.signUp()
            let response = try await staff.client.get("\(Self.userPath(tenant))/lock")
            #expect(response.status == .notFound || response.status == .methodNotAllowed, "\(response.status)")
            let response2 = try await staff.client.get("/admin/tenants/\(tenant.id)/status")
            #expect(response2.status == .notFound || response2.status == .methodNotAllowed, "\(response2.status)")

            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .ok)
            let page = try await staff.client.get(Self.userPath(tenant))
            #expect(AdminClient.badge("user-status", in: page.text) == "active")
            let tenantPage = try await staff.client.get("/admin/tenants/\(tenant.id)")
            #expect(AdminClient.badge("tenant-status", in: tenantPage.text) == "active")
        }
    }

    // MARK: Roles

    @Test("each staff role reaches what its permissions allow, and no more",
          arguments: [StaffRole.support, .billingOps, .admin])
    func roles(role: StaffRole) async throws {
        try await LiveAPI.run { api, db in
            let staff = try await AdminClient.makeStaff(api, db, role: role)
            let client = staff.client
            for path in ["/admin", "/admin/tenants", "/admin/find?q=xx", "/admin/audit", "/admin/mail"] {
                let page = try await client.get(path)
                #expect(page.status == .ok, "\(role) GET \(path): \(page.status)")
            }
            let staffPage = try await client.get("/admin/staff")
            let expectedStaffPage: HTTPResponse.Status = role == .admin ? .ok : .forbidden
            #expect(staffPage.status == expectedStaffPage, "\(role) GET /admin/staff")

            let tenant = try await api.signUp()
            let user = Self.userPath(tenant)
            let userVersion = try #require(AdminClient.version(in: try await client.get(user).text))
            let lock = try await client.post("\(user)/lock", form: ["reason": "role check", "version": "\(userVersion)"])
            let expectedLock: HTTPResponse.Status = role == .billingOps ? .forbidden : .seeOther
            #expect(lock.status == expectedLock, "\(role) lock: \(lock.status)")
            if role == .billingOps { #expect(lock.text.contains("may not do this")) }

            let tenantPage = try await client.get("/admin/tenants/\(tenant.id)")
            let tenantVersion = try #require(AdminClient.version(in: tenantPage.text))
            let suspend = try await client.post("/admin/tenants/\(tenant.id)/status",
                                                form: ["status": "suspended", "reason": "role check", "version": "\(tenantVersion)"])
            let expectedSuspend: HTTPResponse.Status = role == .admin ? .seeOther : .forbidden
            #expect(suspend.status == expectedSuspend, "\(role) suspend: \(suspend.status)")

            let create = try await client.post("/admin/staff", form: ["email": AdminClient.uniqueEmail("rbac"),
                                                                     "name": "Made by \(role.rawValue)", "role": "support"])
            // An admin's invitation goes by email and back to the list.
            let expectedCreate: HTTPResponse.Status = role == .admin ? .seeOther : .forbidden
            #expect(create.status == expectedCreate, "\(role) create staff: \(create.status)")
        }
    }

    @Test("without a session every console page sends you to sign in, and posts change nothing")
    func anonymous() async throws {
        try await LiveAPI.run { api, _ in
            let tenant = try await api.signUp()
            let client = AdminClient(api)
            for path in ["/admin", "/admin/tenants", "/admin/tenants/\(tenant.id)", "/admin/staff", "/admin/tenants.csv"] {
                let response = try await client.get(path)
                #expect(response.redirects(to: "/admin/login"), "GET \(path): \(response.status) \(response.location ?? "")")
            }
            let lock = try await client.post("\(Self.userPath(tenant))/lock", form: ["reason": "anonymous", "version": "1"])
            #expect(lock.redirects(to: "/admin/login"))
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .ok)
        }
    }

    // MARK: Tenants

    @Test("tenants list: search by slug, name or owner email; status filter; bad filters and cursors are a 422 page")
    func tenantsList() async throws {
        try await LiveAPI.run { api, db in
            let n = Self.random()
            let slug = API.uniqueSlug("list")
            let name = "Quokka\(n)Works"
            let email = "boss\(Self.random())@mail-\(n).test"
            _ = try await api.signUpNamed(slug: slug, name: name, email: email)
            let client = try await AdminClient.makeStaff(api, db, role: .support).client

            for q in [slug, "quokka\(n)", email.uppercased()] {
                let page = try await client.get("/admin/tenants?q=\(AdminClient.encode(q))")
                #expect(page.status == .ok, "q=\(q)")
                #expect(page.text.contains("<code>\(slug)</code>"), "q=\(q) finds the tenant")
            }

            let suspendedOnly = try await client.get("/admin/tenants?q=\(slug)&status=suspended")
            #expect(suspendedOnly.status == .ok)
            #expect(!suspendedOnly.text.contains("<code>\(slug)</code>"))
            #expect(suspendedOnly.text.contains("No tenants match."))
            let activeOnly = try await client.get("/admin/tenants?q=\(slug)&status=active&sort=name")
            #expect(activeOnly.text.contains("<code>\(slug)</code>"))

            let badDate = try await client.get("/admin/tenants?created_from=31-12-2026")
            #expect(badDate.status == .unprocessableContent)
            #expect(badDate.isHTML)
            #expect(badDate.text.contains("must be a date like 2026-11-21"))

            let badStatus = try await client.get("/admin/tenants?status=closed")
            #expect(badStatus.status == .unprocessableContent)
            #expect(badStatus.text.contains("The status must be active or suspended."))

            // Page size is fixed at 50; a cursor the list never handed out is refused, not a crash.
            let badCursor = try await client.get("/admin/tenants?after=garbage")
            #expect(badCursor.status == .unprocessableContent, "\(badCursor.status)")
            #expect(badCursor.isHTML)
            #expect(badCursor.text.contains("That page link is not valid"))
        }
    }

    @Test("CSV export: the header row, the tenant's row, and formula-looking cells defused with a leading quote")
    func tenantsCSV() async throws {
        try await LiveAPI.run { api, db in
            let slug = API.uniqueSlug("csv")
            let tenant = try await api.signUpNamed(slug: slug, name: "=1+2 Formula \(slug)", email: "owner@\(slug).test")
            let client = try await AdminClient.makeStaff(api, db, role: .support).client

            let csv = try await client.get("/admin/tenants.csv?q=\(slug)")
            #expect(csv.status == .ok)
            #expect(csv.contentType?.hasPrefix("text/csv") == true, "\(csv.contentType ?? "")")
            #expect(csv["Content-Disposition"]?.hasPrefix("attachment") == true)
            let lines = csv.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first == "id,slug,name,status,owner_email,users,created_at")
            let row = try #require(lines.first(where: { $0.contains(",\(slug),") }), "\(lines)")
            #expect(row.hasPrefix("\(tenant.id),\(slug),'=1+2 Formula \(slug),active,owner@\(slug).test,1,"), "\(row)")

            let badFilter = try await client.get("/admin/tenants.csv?created_to=yesterday")
            #expect(badFilter.status == .unprocessableContent)
            #expect(badFilter.isHTML)
        }
    }

    @Test("suspend needs a reason; a suspended tenant's people are out and its owners told; the audit log names staff and reason; reactivate")
    func suspendAndReactivate() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let client = admin.client
            let tenantPath = "/admin/tenants/\(tenant.id)"
            let version = try #require(AdminClient.version(in: try await client.get(tenantPath).text))

            let blank = try await client.post("\(tenantPath)/status", form: ["status": "suspended", "reason": "  ", "version": "\(version)"])
            #expect(blank.status == .unprocessableContent)
            #expect(blank.text.contains("Give a reason of 3 to 500 characters."))
            #expect(AdminClient.badge("tenant-status", in: blank.text) == "active")

            let reason = "Chargeback fraud \(Self.random())"
            let suspended = try await client.post("\(tenantPath)/status",
                                                  form: ["status": "suspended", "reason": reason, "version": "\(version)", "share_reason": "on"])
            #expect(suspended.redirects(to: "\(tenantPath)?done=suspended"), "\(suspended.status) \(suspended.location ?? "")")
            // The owners are told, with the reason the staff member chose to share.
            let notice = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "has been suspended")
            #expect(notice.text.contains(reason) && notice.html.contains(reason) && notice.text.contains("signed out"), "\(notice.text)")
            let shown = try await client.get("\(tenantPath)?done=suspended")
            #expect(AdminClient.badge("tenant-status", in: shown.text) == "suspended")
            #expect(shown.text.contains(reason))

            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .unauthorized)
            #expect(try await api.logInStatus(tenant) == .unauthorized)

            let audit = try await client.get("/admin/audit?tenant=\(tenant.id)")
            #expect(audit.status == .ok)
            #expect(audit.text.contains("tenant.suspended"))
            #expect(audit.text.contains("staff: \(admin.email)"))
            #expect(audit.text.contains(reason))

            let newVersion = try #require(AdminClient.version(in: shown.text))
            let reactivated = try await client.post("\(tenantPath)/status",
                                                    form: ["status": "active", "reason": "Resolved with the bank", "version": "\(newVersion)"])
            #expect(reactivated.redirects(to: "\(tenantPath)?done=reactivated"), "\(reactivated.status) \(reactivated.location ?? "")")
            #expect(try await api.logInStatus(tenant) == .created)
        }
    }

    // MARK: Users

    @Test("lock ends the user's sessions, stops their login and tells them; unlock lets them back in")
    func lockAndUnlock() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let client = try await AdminClient.makeStaff(api, db, role: .support).client
            let user = Self.userPath(tenant)
            let version = try #require(AdminClient.version(in: try await client.get(user).text))

            let noReason = try await client.post("\(user)/lock", form: ["reason": "", "version": "\(version)"])
            #expect(noReason.status == .unprocessableContent)
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .ok)

            let reason = "Account takeover suspected \(Self.random())"
            let locked = try await client.post("\(user)/lock", form: ["reason": reason, "version": "\(version)"])
            #expect(locked.redirects(to: "\(user)?done=locked"), "\(locked.status) \(locked.location ?? "")")
            // They are told; the reason stays in the audit log, as the staff member did not share it.
            let notice = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "account has been locked")
            #expect(notice.text.contains("signed out everywhere") && !notice.text.contains(reason), "\(notice.text)")
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .unauthorized)
            #expect(try await api.logInStatus(tenant) == .unauthorized)

            let page = try await client.get("\(user)?done=locked")
            #expect(AdminClient.badge("user-status", in: page.text) == "locked")
            #expect(page.text.contains(reason))
            let lockedVersion = try #require(AdminClient.version(in: page.text))
            let unlocked = try await client.post("\(user)/unlock", form: ["reason": "Owner verified by phone", "version": "\(lockedVersion)"])
            #expect(unlocked.redirects(to: "\(user)?done=unlocked"), "\(unlocked.status) \(unlocked.location ?? "")")
            #expect(try await api.logInStatus(tenant) == .created)
        }
    }

    @Test("a stale version is a 409 showing the user as they are now, and changes nothing")
    func lockConflict() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let first = try await AdminClient.makeStaff(api, db, role: .support).client
            let second = try await AdminClient.makeStaff(api, db, role: .admin).client
            let user = Self.userPath(tenant)

            // The second member opens the page; meanwhile the first locks and unlocks.
            let stale = try #require(AdminClient.version(in: try await second.get(user).text))
            let v1 = try #require(AdminClient.version(in: try await first.get(user).text))
            #expect(try await first.post("\(user)/lock", form: ["reason": "Checking something", "version": "\(v1)"]).status == .seeOther)
            let v2 = try #require(AdminClient.version(in: try await first.get(user).text))
            #expect(try await first.post("\(user)/unlock", form: ["reason": "Checked, all fine", "version": "\(v2)"]).status == .seeOther)
            let current = try #require(AdminClient.version(in: try await first.get(user).text))
            #expect(current > stale)

            let late = try await second.post("\(user)/lock", form: ["reason": "Late decision", "version": "\(stale)"])
            #expect(late.status == .conflict)
            #expect(late.isHTML)
            #expect(late.text.contains("Someone else changed this user"))
            #expect(AdminClient.version(in: late.text) == current)
            #expect(AdminClient.badge("user-status", in: late.text) == "active")
            #expect(late.text.contains(#"name="version" value="\#(current)""#), "the form now carries the current version")

            #expect(AdminClient.version(in: try await first.get(user).text) == current)
            #expect(try await api.logInStatus(tenant) == .created)
        }
    }

    @Test("end sessions kills the API token; send reset and resend verification each deliver an email")
    func sessionsAndEmails() async throws {
        try await LiveAPI.run { api, db in
            let mailbox = Mailbox(db: db)
            let tenant = try await api.signUp()
            let client = try await AdminClient.makeStaff(api, db, role: .support).client
            let user = Self.userPath(tenant)
            _ = try await client.get(user)

            let ended = try await client.post("\(user)/end-sessions", form: ["reason": "Lost laptop"])
            #expect(ended.redirects(to: "\(user)?done=sessions_ended"), "\(ended.status) \(ended.location ?? "")")
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .unauthorized)
            #expect(try await api.logInStatus(tenant) == .created, "ending sessions is not a lock")

            let reset = try await client.post("\(user)/send-reset")
            #expect(reset.redirects(to: "\(user)?done=reset_sent"), "\(reset.status) \(reset.location ?? "")")
            let resetEmail = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Reset your")
            _ = try Mailbox.token("keelr_", in: resetEmail)

            // The signup sent the first verification email; this is the second.
            let resend = try await client.post("\(user)/resend-verification")
            #expect(resend.redirects(to: "\(user)?done=verification_sent"), "\(resend.status) \(resend.location ?? "")")
            let verification = try await mailbox.waitFor(to: tenant.ownerEmail, subject: "Confirm your email", count: 2)
            _ = try Mailbox.token("keelv_", in: verification)
        }
    }

    // MARK: Find, audit, staff, mail

    @Test("find lists a user by email with a link to their page, and the search is audited")
    func find() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let staff = try await AdminClient.makeStaff(api, db, role: .support)
            let found = try await staff.client.get("/admin/find?q=\(AdminClient.encode(tenant.ownerEmail))")
            #expect(found.status == .ok)
            #expect(found.text.contains(#"href="\#(Self.userPath(tenant))""#), "a link to the user's page")
            #expect(found.text.contains(tenant.ownerEmail))

            let audit = try await staff.client.get("/admin/audit?action=staff.searched&actor=\(AdminClient.encode(staff.email))")
            #expect(audit.status == .ok)
            #expect(audit.text.contains("staff.searched"))
            #expect(audit.text.contains("staff: \(staff.email)"))
            #expect(audit.text.contains(tenant.ownerEmail), "the entry records what was searched for")

            let tooShort = try await staff.client.get("/admin/find?q=x")
            #expect(tooShort.status == .unprocessableContent)
            #expect(tooShort.text.contains("Search for 2 to 254 characters."))
        }
    }

    @Test("staff page: create with a one-time password, change role (stale version is 409), deactivate")
    func staffManagement() async throws {
        try await LiveAPI.run { api, db in
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let email = AdminClient.uniqueEmail("invited")
            let created = try await admin.client.post("/admin/staff", form: ["email": email, "name": "Invited Person", "role": "support", "delivery": "password"])
            #expect(created.status == .ok)
            let oneTimePassword = try #require(AdminClient.oneTimePassword(in: created.text))
            let fresh = try #require(AdminClient.staffEntry(email, in: created.text))
            #expect(fresh.role == "support" && fresh.status == "active")

            let duplicate = try await admin.client.post("/admin/staff", form: ["email": email, "name": "Again", "role": "admin", "delivery": "password"])
            #expect(duplicate.status == .conflict)
            #expect(AdminClient.oneTimePassword(in: duplicate.text) == nil)

            // The one-time password works, once, for the first sign-in.
            let newcomer = AdminClient(api)
            try await newcomer.firstSignIn(email: email, oneTimePassword: oneTimePassword)

            let list = try await admin.client.get("/admin/staff")
            let entry = try #require(AdminClient.staffEntry(email, in: list.text))
            let id = try #require(entry.id)
            let version = try #require(entry.version)
            let changed = try await admin.client.post("/admin/staff/\(id)/role", form: ["role": "billing-ops", "version": "\(version)"])
            #expect(changed.redirects(to: "/admin/staff?done=role_changed"), "\(changed.status) \(changed.location ?? "")")

            let stale = try await admin.client.post("/admin/staff/\(id)/role", form: ["role": "admin", "version": "\(version)"])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("Someone changed this staff member"))
            let afterChange = try #require(AdminClient.staffEntry(email, in: stale.text))
            #expect(afterChange.role == "billing-ops", "the stale post did not make them admin")
            let newVersion = try #require(afterChange.version)
            #expect(newVersion > version)

            let deactivated = try await admin.client.post("/admin/staff/\(id)/deactivate", form: ["version": "\(newVersion)"])
            #expect(deactivated.redirects(to: "/admin/staff?done=deactivated"), "\(deactivated.status) \(deactivated.location ?? "")")
            let final = try await admin.client.get("/admin/staff?done=deactivated")
            #expect(AdminClient.staffEntry(email, in: final.text)?.status == "deactivated")
            // Deactivation signed them out.
            #expect(try await newcomer.get("/admin").redirects(to: "/admin/login"))
        }
    }

    @Test("an admin cannot deactivate themself")
    func cannotDeactivateSelf() async throws {
        try await LiveAPI.run { api, db in
            let admin = try await AdminClient.makeStaff(api, db, role: .admin)
            let list = try await admin.client.get("/admin/staff")
            let me = try #require(AdminClient.staffEntry(admin.email, in: list.text))
            #expect(me.id == admin.id)
            #expect(!list.text.contains("/admin/staff/\(admin.id)/deactivate"), "no deactivate button on your own row")

            let myVersion = try #require(me.version)
            let refused = try await admin.client.post("/admin/staff/\(admin.id)/deactivate", form: ["version": "\(myVersion)"])
            #expect(refused.status == .forbidden || refused.status == .conflict, "\(refused.status)")
            #expect(refused.text.contains("You cannot deactivate yourself"))
            #expect(try await admin.client.get("/admin").status == .ok, "still signed in")
            let after = try await admin.client.get("/admin/staff")
            #expect(AdminClient.staffEntry(admin.email, in: after.text)?.status == "active")
        }
    }

    @Test("mail page lists deliveries and opens the dev-mailbox copy; retrying a message that did not fail is a 404 page")
    func mail() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let welcome = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "Welcome to")
            let client = try await AdminClient.makeStaff(api, db, role: .support).client

            // Other tests' mail fills the newest 100; the recipient filter finds this tenant's.
            let page = try await client.get("/admin/mail?to=\(tenant.ownerEmail.uppercased())")
            #expect(page.status == .ok)
            #expect(page.text.contains(tenant.ownerEmail))
            #expect(page.text.contains(#"href="/admin/mail/\#(welcome.id)""#))
            let message = try await client.get("/admin/mail/\(welcome.id)")
            #expect(message.status == .ok)
            #expect(message.text.contains(tenant.ownerEmail))

            let retry = try await client.post("/admin/mail/\(welcome.id)/retry")
            #expect(retry.status == .notFound, "\(retry.status)")
            #expect(retry.isHTML)
            #expect(retry.text.contains("There is no failed message with that id."))
            let unknown = try await client.post("/admin/mail/\(UUID().uuidString.lowercased())/retry")
            #expect(unknown.status == .notFound)
            let notAnID = try await client.post("/admin/mail/not-an-id/retry")
            #expect(notAnID.status == .notFound)

            let badFilter = try await client.get("/admin/mail?status=bounced")
            #expect(badFilter.text.contains("The status must be queued, sent or failed."))
        }
    }

    @Test("errors are HTML pages, not problem documents")
    func errorsAreHTML() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let client = try await AdminClient.makeStaff(api, db, role: .support).client
            for path in ["/admin/tenants/not-a-uuid", "/admin/tenants/\(UUID().uuidString.lowercased())",
                         "/admin/tenants/\(tenant.id)/users/\(UUID().uuidString.lowercased())", "/admin/mail/not-an-id"] {
                let response = try await client.get(path)
                #expect(response.status == .notFound, "\(path): \(response.status)")
                #expect(response.isHTML, "\(path): \(response.contentType ?? "")")
                #expect(response.text.lowercased().contains("<!doctype html>"), "\(path)")
                #expect(!response.text.contains(#""type":"#), "\(path) is not JSON")
            }
            // A form sent as JSON is refused as a page too.
            let json = try await client.post("\(Self.userPath(tenant))/end-sessions", headers: ["Content-Type": "application/json"])
            #expect(json.status == .unprocessableContent, "\(json.status)")
            #expect(json.isHTML)
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).status == .ok)
        }
    }

    @Test("tenant-supplied text is escaped on every page that shows it")
    func escapesCustomerText() async throws {
        try await LiveAPI.run { api, db in
            let slug = API.uniqueSlug("xss")
            let tenant = try await api.signUpNamed(slug: slug, name: "<script>alert(1)</script>",
                                                   ownerName: #""><img src=x onerror=alert(2)>"#,
                                                   email: "<svg/onload=alert(3)>@\(slug).test")
            let client = try await AdminClient.makeStaff(api, db, role: .support).client
            let pages: [(String, String, [String])] = [
                ("tenants list", "/admin/tenants?q=\(slug)", ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;svg/onload=alert(3)&gt;"]),
                ("tenant page", "/admin/tenants/\(tenant.id)",
                 ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;svg/onload=alert(3)&gt;"]),
                ("user page", Self.userPath(tenant),
                 ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;svg/onload=alert(3)&gt;"]),
                ("find page", "/admin/find?q=\(slug)",
                 ["&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;svg/onload=alert(3)&gt;"]),
                ("audit page", "/admin/audit?tenant=\(tenant.id)", ["&lt;img src=x onerror=alert(2)&gt;", "&lt;svg/onload=alert(3)&gt;"]),
            ]
            for (what, path, escaped) in pages {
                let page = try await client.get(path)
                #expect(page.status == .ok, "\(what): \(page.status)")
                for text in escaped {
                    #expect(page.text.contains(text), "\(what) shows \(text)")
                }
                for raw in ["<script>alert(1)", "<img src=x", "<svg/onload"] {
                    #expect(!page.text.contains(raw), "\(what) contains raw \(raw)")
                }
            }
        }
    }
}
