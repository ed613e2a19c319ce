import Billing
import BillingAPI
import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing
import NotificationsAPI
import Web

/// Outbound webhooks over real HTTP: Keel delivers to a receiver on loopback that verifies
/// every delivery with `standardwebhooks`, the reference library. Each test has a database of
/// its own: every server's sender delivers whatever is due in its database.
@Suite("API: outbound webhooks (Standard Webhooks, verified by the reference library)",
       .enabled(if: TestDatabase.canMakeScratchDatabases, "needs databases of its own"))
struct WebhooksAPITests {
    static func run(_ label: String, clock: any WallClock = SystemClock(),
                    _ body: @escaping @Sendable (API, WebhookReceiver, TestDatabase) async throws -> Void) async throws {
        let receiver = try await WebhookReceiver.start()
        let database = try await TestDatabase.shared().scratch(label)
        try await LiveAPI.run(database: database, clock: clock, { config in
            config.webhooksAllowHTTP = true
            config.webhooksAllowPrivate = true
            config.webhooksTimeoutSeconds = 2
            // Tests move the clock by a day: sessions must outlast it.
            config.sessionIdleSeconds = 30 * 86_400
            config.sessionAbsoluteSeconds = 30 * 86_400
        }) { api, db in
            // Staff TOTP codes follow this server's clock (AdminClient.serverClock).
            try await AdminClient.$serverClock.withValue(clock) { try await body(api, receiver, db) }
        }
    }

    static func endpoint(_ api: API, _ tenant: API.Tenant, url: String, types: [String] = []) async throws -> (id: String, secret: String) {
        let types = types.map { "\"\($0)\"" }.joined(separator: ",")
        let created = try await api.call(.post, "/v1/webhook-endpoints", json: #"{"url":"\#(url)","event_types":[\#(types)]}"#,
                                         token: tenant.token)
        #expect(created.status == .created, "\(created.text)")
        return (created.json["id"].string ?? "", created.json["secret"].string ?? "")
    }

    @Test("order and invoice events are delivered signed, verified by the library, with the resource as GET returns it; the log shows the attempt")
    func delivered() async throws {
        try await Self.run("webhooks_delivered") { api, receiver, db in
            let tenant = try await api.signUp()
            let (endpointID, secret) = try await Self.endpoint(api, tenant, url: receiver.url("a"),
                                                               types: ["order.placed", "order.canceled", "invoice.finalized", "invoice.voided"])
            #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            try await receiver.configure("a", secrets: [secret])
            _ = try await api.waitForSubscription(token: tenant.token)
            let draft = try await api.call(.post, "/v1/orders", json: #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}]}"#,
                                           token: tenant.token, headers: ["Idempotency-Key": UUID().uuidString])
            let orderID = draft.json["id"].string ?? ""
            let placed = try await api.call(.post, "/v1/orders/\(orderID)/place", token: tenant.token, headers: ["If-Match": "*"])
            #expect(placed.status == .ok, "\(placed.text)")
            #expect(try await api.call(.post, "/v1/orders/\(orderID)/cancel", token: tenant.token).status == .ok)
            let got = try await receiver.waitFor("a", count: 4)
            let log = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("select event_type || ' ' || status || ' ' || coalesce(last_error, '') as e from platform.outbox")
                    .map { try $0.decode("e", as: String.self) }
            }
            let byType = Dictionary(got.map { ($0.json["type"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byType.keys.sorted() == ["invoice.finalized", "invoice.voided", "order.canceled", "order.placed"], "\(log)")
            let delivery = try #require(byType["order.canceled"])
            #expect(got.allSatisfy { $0.verified == [true] }, "\(got)")
            #expect(delivery.userAgent?.hasPrefix("Keel-Webhooks/") == true)
            #expect(delivery.json["id"] as? String == delivery.id && delivery.json["api_version"] as? String == "v1")
            let order = try await api.call(.get, "/v1/orders/\(orderID)", token: tenant.token)
            #expect(try Self.data(delivery) == Self.sorted(order.text), "webhook data is the order as the API returns it")
            // The order's invoice: finalized (open, with the order's line), then voided by the cancel.
            let finalized = try #require(byType["invoice.finalized"]?.json["data"] as? [String: Any])
            #expect(finalized["status"] as? String == "open" && (finalized["lines"] as? [Any])?.count == 1, "\(finalized)")
            let voided = try #require(byType["invoice.voided"])
            let invoice = try await api.call(.get, "/v1/billing/invoices/\(finalized["id"] as? String ?? "")", token: tenant.token)
            #expect(invoice.json["status"].string == "void")
            #expect(try Self.data(voided) == Self.sorted(invoice.text), "webhook data is the invoice as the API returns it")
            // The order's timeline shows each delivery.
            var timeline = ""
            for _ in 0..<100 {
                timeline = try await api.call(.get, "/v1/orders/\(orderID)/timeline", token: tenant.token).text
                if timeline.components(separatedBy: "webhook_delivered").count - 1 == 2 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(timeline.components(separatedBy: "webhook_delivered").count - 1 == 2 && timeline.contains(delivery.id ?? "-"),
                    "\(timeline)")
            // The message and its attempt are in the log (recorded once the receiver answered).
            let messages = try await Self.poll(api, "/v1/webhook-endpoints/\(endpointID)/messages", token: tenant.token) {
                $0.json["data"].array.count == 4 && $0.json["data"].array.allSatisfy { $0["deliveries"][0]["status"].string == "succeeded" }
            }
            let listed = messages.json["data"].array
            #expect(listed.count == 4 && listed.allSatisfy { $0["deliveries"][0]["status"].string == "succeeded" }, "\(messages.text)")
            #expect(listed.contains { $0["id"].string == delivery.id })
            let attempts = try await api.call(.get, "/v1/webhook-messages/\(delivery.id ?? "")/attempts", token: tenant.token)
            #expect(attempts.json["data"][0]["succeeded"].bool == true && attempts.json["data"][0]["status_code"].int == 200)
            // A member may not manage webhooks; another tenant sees none of it.
            let other = try await api.signUp()
            #expect(try await api.call(.get, "/v1/webhook-endpoints/\(endpointID)", token: other.token).status == .notFound)
            #expect(try await api.call(.get, "/v1/webhook-messages/\(delivery.id ?? "")/attempts", token: other.token).status == .notFound)
        }
    }

    @Test("a receiver down gets the message when it is back, on the schedule, with the same id; 410 disables the endpoint")
    func retriesAndGone() async throws {
        let clock = ManualClock(SystemClock().now)
        try await Self.run("webhooks_retries", clock: clock) { api, receiver, db in
            let tenant = try await api.signUp()
            let (endpointID, secret) = try await Self.endpoint(api, tenant, url: receiver.url("down"))
            try await receiver.configure("down", secrets: [secret], status: 503)
            let test = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/test", token: tenant.token)
            #expect(test.status == .accepted, "\(test.text)")
            let messageID = test.json["id"].string ?? ""
            _ = try await receiver.waitFor("down", count: 1)
            // Still failing at the next attempt (5 s later on Keel's clock, with jitter).
            try await Task.sleep(for: .milliseconds(500))
            clock.advance(by: 6)
            try await receiver.configure("down", secrets: [secret], status: 200, clockOffset: clock.now.timeIntervalSince(Date()))
            let got = try await receiver.waitFor("down", count: 2)
            #expect(got.count == 2 && Set(got.map(\.id)) == [messageID], "every attempt carries the message's id")
            #expect(got.last?.verified == [true])
            let attempts = try await Self.poll(api, "/v1/webhook-messages/\(messageID)/attempts", token: tenant.token) {
                $0.json["data"][0]["succeeded"].bool == true
            }
            #expect(attempts.json["data"][0]["succeeded"].bool == true && attempts.json["data"][1]["status_code"].int == 503,
                    "\(attempts.text)")
            // Replay: the same id again.
            let replay = try await api.call(.post, "/v1/webhook-messages/\(messageID)/replay?endpoint_id=\(endpointID)", token: tenant.token)
            #expect(replay.status == .accepted, "\(replay.text)")
            let again = try await receiver.waitFor("down", count: 3)
            #expect(again.count == 3 && again.last?.id == messageID)
            // 410 Gone: the endpoint is disabled at once, with the reason.
            try await receiver.configure("down", secrets: [secret], status: 410, clockOffset: clock.now.timeIntervalSince(Date()))
            _ = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/test", token: tenant.token)
            _ = try await receiver.waitFor("down", count: 4)
            var endpoint = try await api.call(.get, "/v1/webhook-endpoints/\(endpointID)", token: tenant.token)
            for _ in 0..<100 where endpoint.json["enabled"].bool != false {  // the attempt is recorded just after the answer
                try await Task.sleep(for: .milliseconds(100))
                endpoint = try await api.call(.get, "/v1/webhook-endpoints/\(endpointID)", token: tenant.token)
            }
            #expect(endpoint.json["enabled"].bool == false && endpoint.json["disabled_reason"].string?.contains("410") == true,
                    "\(endpoint.text)")
            // The owners are told, with the reason and how to turn it back on.
            let notice = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "Webhook endpoint disabled")
            #expect(notice.text.contains("410 Gone") && notice.text.contains(receiver.url("down")) && notice.text.contains("replay"))
        }
    }

    @Test("rotation: both secrets verify for 24 hours, then only the new one")
    func rotation() async throws {
        let clock = ManualClock(SystemClock().now)
        try await Self.run("webhooks_rotation", clock: clock) { api, receiver, _ in
            let tenant = try await api.signUp()
            let (endpointID, old) = try await Self.endpoint(api, tenant, url: receiver.url("r"))
            let rotated = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/rotate-secret", token: tenant.token)
            let new = rotated.json["secret"].string ?? ""
            #expect(rotated.status == .ok && new != old && rotated.json["previous_secret_expires_at"].string != nil, "\(rotated.text)")
            try await receiver.configure("r", secrets: [old, new])
            _ = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/test", token: tenant.token)
            let first = try await receiver.waitFor("r")
            #expect(first.first?.verified == [true, true], "\(first)")
            clock.advance(by: 24 * 3600 + 1)
            try await receiver.configure("r", secrets: [old, new], clockOffset: clock.now.timeIntervalSince(Date()))
            let sent = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/test", token: tenant.token)
            #expect(sent.status == .accepted, "\(sent.text)")
            // Matched by id: on a loaded machine the first message can come again (at least once),
            // after the second, still signed with both secrets as it was when first sent.
            // And a loaded machine can time an attempt out (2 s here): its retry is due 5 s later on
            // the server's clock, which stands still unless moved, so the wait moves it (a second
            // per poll, well inside the receiver's 5-minute tolerance, which follows it).
            let secondID = sent.json["id"].string ?? ""
            var second = try await receiver.received("r")
            for _ in 0..<150 where !second.contains(where: { $0.id == secondID }) {
                try await Task.sleep(for: .milliseconds(200))
                clock.advance(by: 1)
                try await receiver.configure("r", secrets: [old, new], clockOffset: clock.now.timeIntervalSince(Date()))
                second = try await receiver.received("r")
            }
            #expect(second.first { $0.id == secondID }?.verified == [false, true], "\(second)")
        }
    }

    @Test("a slow endpoint does not hold up another tenant's deliveries")
    func fairness() async throws {
        try await Self.run("webhooks_fairness") { api, receiver, _ in
            let slow = try await api.signUp(), quick = try await api.signUp()
            let (slowID, slowSecret) = try await Self.endpoint(api, slow, url: receiver.url("slow"))
            let (quickID, quickSecret) = try await Self.endpoint(api, quick, url: receiver.url("quick"))
            try await receiver.configure("slow", secrets: [slowSecret], delay: 1.8)
            try await receiver.configure("quick", secrets: [quickSecret])
            for _ in 0..<5 { _ = try await api.call(.post, "/v1/webhook-endpoints/\(slowID)/test", token: slow.token) }
            _ = try await api.call(.post, "/v1/webhook-endpoints/\(quickID)/test", token: quick.token)
            let got = try await receiver.waitFor("quick")
            #expect(got.count == 1 && got[0].verified == [true])
            // One endpoint has one delivery in flight, so the slow one's five take at least 9 s;
            // the quick one's arrives while they are still going out (an order, not a timing).
            let slowSoFar = try await receiver.received("slow").count
            #expect(slowSoFar < 5, "the quick endpoint waited for the slow one's \(slowSoFar) deliveries")
        }
    }

    @Test("endpoints: https and a public address required (SSRF), known event types, at most 10, If-Match on change")
    func endpointRules() async throws {
        try await LiveAPI.run { api, _ in
            let tenant = try await api.signUp()
            for url in ["http://127.0.0.1:9/x", "https://127.0.0.1/x", "https://localhost/x", "https://10.0.0.5/x",
                        "https://169.254.169.254/latest/meta-data", "https://[::1]/x", "https://[fd00:ec2::254]/x",
                        "https://user:pw@example.com/x", "ftp://example.com/x", "not a url"] {
                let refused = try await api.call(.post, "/v1/webhook-endpoints", json: #"{"url":"\#(url)"}"#, token: tenant.token)
                #expect(refused.status == .unprocessableContent, "\(url): \(refused.text)")
            }
            let unknown = try await api.call(.post, "/v1/webhook-endpoints", json: #"{"url":"https://example.com/h","event_types":["nope"]}"#,
                                              token: tenant.token)
            #expect(unknown.status == .unprocessableContent && unknown.text.contains("unknown_event_type"))
            var ids: [String] = []
            for n in 0..<10 {
                let created = try await api.call(.post, "/v1/webhook-endpoints", json: #"{"url":"https://example.com/h\#(n)"}"#,
                                                 token: tenant.token)
                #expect(created.status == .created)
                ids.append(created.json["id"].string ?? "")
            }
            let eleventh = try await api.call(.post, "/v1/webhook-endpoints", json: #"{"url":"https://example.com/h11"}"#, token: tenant.token)
            #expect(eleventh.status == .conflict && eleventh.code == "webhook_endpoint_limit")
            let stale = try await api.call(.patch, "/v1/webhook-endpoints/\(ids[0])", json: #"{"enabled":false}"#, token: tenant.token,
                                           headers: ["If-Match": "\"7\""])
            #expect(stale.status == .preconditionFailed)
            let disabled = try await api.call(.patch, "/v1/webhook-endpoints/\(ids[0])", json: #"{"enabled":false}"#, token: tenant.token,
                                              headers: ["If-Match": "\"1\""])
            #expect(disabled.status == .ok && disabled.json["enabled"].bool == false && disabled.json["version"].int == 2)
            #expect(disabled.json["disabled_reason"].string == "Disabled by the tenant.")
            let refusedTest = try await api.call(.post, "/v1/webhook-endpoints/\(ids[0])/test", token: tenant.token)
            #expect(refusedTest.status == .conflict && refusedTest.code == "webhook_endpoint_disabled", "\(refusedTest.text)")
            let enabled = try await api.call(.patch, "/v1/webhook-endpoints/\(ids[0])", json: #"{"enabled":true}"#, token: tenant.token,
                                             headers: ["If-Match": "\"2\""])
            #expect(enabled.json["enabled"].bool == true && enabled.json["disabled_reason"].string == nil)
            #expect(try await api.call(.delete, "/v1/webhook-endpoints/\(ids[1])", token: tenant.token).status == .noContent)
            #expect(try await api.call(.get, "/v1/webhook-endpoints", token: tenant.token).json["data"].array.count == 9)
            let types = try await api.call(.get, "/v1/webhook-event-types", token: tenant.token)
            #expect(types.json["data"].array.compactMap { $0["type"].string }.contains("order.paid") == true)
        }
    }

    @Test("the console: a tenant's endpoints with health, the message log filtered by status, attempts; replay needs a reason and account.support, and is audited")
    func console() async throws {
        try await Self.run("webhooks_console") { api, receiver, db in
            let tenant = try await api.signUp()
            let (endpointID, secret) = try await Self.endpoint(api, tenant, url: receiver.url("failing"))
            try await receiver.configure("failing", secrets: [secret], status: 500)
            let messageID = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/test", token: tenant.token).json["id"].string ?? ""
            _ = try await receiver.waitFor("failing")
            _ = try await Self.poll(api, "/v1/webhook-messages/\(messageID)/attempts", token: tenant.token) {
                !$0.json["data"].array.isEmpty
            }
            let support = try await AdminClient.makeStaff(api, db, role: .support).client
            let billingOps = try await AdminClient.makeStaff(api, db, role: .billingOps).client

            let tenantPage = try await support.get("/admin/tenants/\(tenant.id)")
            #expect(tenantPage.text.contains("/admin/tenants/\(tenant.id)/webhooks"))
            let endpoints = try await support.get("/admin/tenants/\(tenant.id)/webhooks")
            #expect(endpoints.status == .ok && endpoints.text.contains(receiver.url("failing")), "\(endpoints.status)")
            // Pending between attempts; on a slow machine the second attempt (5 s after the first)
            // can be going out ("sending") at the moment of the read, so it is read again.
            var pending = try await support.get("/admin/tenants/\(tenant.id)/webhooks/\(endpointID)?status=pending")
            for _ in 0..<100 where !pending.text.contains(messageID) {
                try await Task.sleep(for: .milliseconds(100))
                pending = try await support.get("/admin/tenants/\(tenant.id)/webhooks/\(endpointID)?status=pending")
            }
            #expect(pending.status == .ok && pending.text.contains(messageID), "\(pending.text.prefix(500))")
            #expect(!(try await support.get("/admin/tenants/\(tenant.id)/webhooks/\(endpointID)?status=succeeded")).text.contains(messageID))
            #expect(try await support.get("/admin/tenants/\(tenant.id)/webhooks/\(endpointID)?status=lost").text
                .contains("Choose a delivery status from the list."))
            let messagePath = "/admin/tenants/\(tenant.id)/webhook-messages/\(messageID)"
            let message = try await support.get(messagePath)
            #expect(message.status == .ok && message.text.contains("The endpoint answered 500.") && message.text.contains(#"id="webhook-replay""#))
            #expect(!(try await billingOps.get(messagePath)).text.contains(#"id="webhook-replay""#))
            #expect(try await billingOps.post("\(messagePath)/replay", form: ["reason": "checking"]).status == .forbidden)
            let noReason = try await support.post("\(messagePath)/replay", form: ["reason": " "])
            #expect(noReason.status == .unprocessableContent && noReason.text.contains("Say why the message is sent again."))

            try await receiver.configure("failing", secrets: [secret], status: 200)
            let replayed = try await support.post("\(messagePath)/replay", form: ["reason": "Customer fixed their endpoint"])
            #expect(replayed.redirects(to: "\(messagePath)?done=webhook_replayed"), "\(replayed.status) \(replayed.text.prefix(300))")
            let got = try await receiver.waitFor("failing", count: 2)
            #expect(got.last?.id == messageID && got.last?.verified == [true])
            let audited = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("""
                    select count(*)::int8 as n from platform.audit_log
                     where tenant_id = \(tx.tenantID) and action = 'webhook_message.replayed' and reason = 'Customer fixed their endpoint'
                       and actor_staff_id is not null
                    """).first?.decode("n", as: Int.self)
            }
            #expect(audited == 1)
        }
    }

    @Test("members' events: invited, joined, role changed, removed, each with the resource as the API returns it")
    func memberEvents() async throws {
        try await Self.run("webhooks_members") { api, receiver, db in
            let tenant = try await api.signUp()
            let (_, secret) = try await Self.endpoint(api, tenant, url: receiver.url("members"),
                                                      types: ["user.invited", "user.joined", "user.role_changed", "user.removed"])
            try await receiver.configure("members", secrets: [secret])
            try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.execute("update accounts.users set email_verified_at = now() where tenant_id = \(tx.tenantID)")
            }
            let invitee = "ivy@\(tenant.slug).test"
            let invited = try await api.call(.post, "/v1/invitations", json: #"{"email":"\#(invitee)","role":"member"}"#, token: tenant.token)
            #expect(invited.status == .created, "\(invited.text)")
            let token = try Mailbox.token("keeli_", in: try await Mailbox(db: db).waitFor(to: invitee, subject: "invited you to"))
            let accepted = try await api.call(.post, "/v1/invitation-acceptances",
                                              json: #"{"token":"\#(token)","name":"Ivy","password":"\#(API.password)"}"#)
            let userID = accepted.json["user"]["id"].string ?? ""
            let promoted = try await api.call(.patch, "/v1/users/\(userID)", json: #"{"role":"admin"}"#, token: tenant.token,
                                              headers: ["If-Match": "*"])
            #expect(promoted.status == .ok, "\(promoted.text)")
            #expect(try await api.call(.delete, "/v1/users/\(userID)", token: tenant.token, headers: ["If-Match": "*"]).status == .noContent)
            // Messages are not promised in order (a retried one arrives after later ones, as with
            // Stripe and Svix); each is matched by its type.
            let got = try await receiver.waitFor("members", count: 4)
            let byType = Dictionary(got.map { ($0.json["type"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byType.keys.sorted() == ["user.invited", "user.joined", "user.removed", "user.role_changed"])
            #expect(got.allSatisfy { $0.verified == [true] })
            let invitation = try #require(byType["user.invited"])
            let roleChanged = try #require(byType["user.role_changed"])
            let removal = try #require(byType["user.removed"])
            #expect(try Self.data(invitation) == Self.sorted(invited.text), "user.invited carries the invitation as POST /v1/invitations answered it")
            #expect(try Self.data(roleChanged) == Self.sorted(promoted.text), "user.role_changed carries the user as PATCH answered it")
            let removed = removal.json["data"] as? [String: Any]
            #expect(removed?["id"] as? String == userID && removed?["role"] as? String == "admin")
        }
    }

    @Test("subscription events: the trial's reminder and a cancellation, each with the subscription as the API returns it")
    func subscriptionEvents() async throws {
        let clock = ManualClock(SystemClock().now)
        try await Self.run("webhooks_subscription", clock: clock) { api, receiver, db in
            let tenant = try await api.signUp()
            let (_, secret) = try await Self.endpoint(api, tenant, url: receiver.url("subs"),
                                                      types: ["subscription.trial_will_end", "subscription.updated"])
            _ = try await api.waitForSubscription(token: tenant.token)
            // Eleven days into the fourteen-day trial, the scheduler's pass sends the reminder.
            clock.advance(by: 11 * 86_400 + 1)
            try await receiver.configure("subs", secrets: [secret], clockOffset: clock.now.timeIntervalSince(Date()))
            try await db.withPool(clock: clock) { pool in
                let billing = BillingModule(db: pool.database, platform: pool.platformDatabase(), logger: TestDatabase.logger)
                _ = try await billing.runDue(limit: 1000)
            }
            let reminder = try #require(try await receiver.waitFor("subs").first)
            let subscription = try await api.call(.get, "/v1/billing/subscription", token: tenant.token)
            #expect(reminder.json["type"] as? String == "subscription.trial_will_end" && reminder.verified == [true])
            #expect(try Self.data(reminder) == Self.sorted(subscription.text), "the subscription as GET answers it")
            let canceled = try await api.call(.post, "/v1/billing/subscription/cancel", json: #"{"at_period_end":false}"#,
                                              token: tenant.token, headers: ["If-Match": "*"])
            #expect(canceled.json["status"].string == "canceled", "\(canceled.text)")
            let updated = try #require(try await receiver.waitFor("subs", count: 2).last)
            #expect(updated.json["type"] as? String == "subscription.updated" && updated.verified == [true])
            #expect(try Self.data(updated) == Self.sorted(canceled.text), "the subscription as the cancel answered it")
        }
    }

    /// GETs `path` until `done` holds (an attempt is recorded after the receiver answers), for
    /// up to 5 s; returns the last answer.
    static func poll(_ api: API, _ path: String, token: String, until done: (APIResponse) -> Bool) async throws -> APIResponse {
        var response = try await api.call(.get, path, token: token)
        for _ in 0..<100 where !done(response) {
            try await Task.sleep(for: .milliseconds(50))
            response = try await api.call(.get, path, token: token)
        }
        return response
    }

    /// A delivery's `data`, and an API answer, as JSON with sorted keys: equal when the webhook
    /// carries the resource exactly as the API returns it.
    static func data(_ delivery: WebhookReceiver.Delivery) throws -> Data {
        try JSONSerialization.data(withJSONObject: delivery.json["data"] as Any, options: [.sortedKeys])
    }

    static func sorted(_ text: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(text.utf8)), options: [.sortedKeys])
    }

    @Test("an endpoint failing for 5 days is disabled, and the owners are told; once it is fixed, staff send every failed message again")
    func failingForDays() async throws {
        let start = SystemClock().now
        let clock = ManualClock(start)
        try await Self.run("webhooks_failing", clock: clock) { api, receiver, db in
            let tenant = try await api.signUp()
            let (endpointID, secret) = try await Self.endpoint(api, tenant, url: receiver.url("broken"))
            try await receiver.configure("broken", secrets: [secret], status: 500)
            _ = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/test", token: tenant.token)
            _ = try await receiver.waitFor("broken")
            // The failure is recorded once the receiver has answered.
            let failing = try await Self.poll(api, "/v1/webhook-endpoints/\(endpointID)", token: tenant.token) {
                $0.json["failing_since"].string != nil
            }
            #expect(failing.json["enabled"].bool == true && failing.json["failing_since"].string != nil, "\(failing.text)")
            clock.advance(by: 5 * 86_400 + 60)
            try await receiver.configure("broken", secrets: [secret], status: 500, clockOffset: clock.now.timeIntervalSince(Date()))
            _ = try await api.call(.post, "/v1/webhook-endpoints/\(endpointID)/test", token: tenant.token)
            let notice = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "Webhook endpoint disabled")
            #expect(notice.text.contains("failed for 5 days"), "\(notice.text)")
            let disabled = try await api.call(.get, "/v1/webhook-endpoints/\(endpointID)", token: tenant.token)
            #expect(disabled.json["enabled"].bool == false, "\(disabled.text)")

            // The customer fixes and re-enables it; support sends what failed since the first day.
            let sent = try await receiver.received("broken")
            let failed = try await api.call(.get, "/v1/webhook-endpoints/\(endpointID)/messages?status=failed", token: tenant.token)
            let ids = Set(failed.json["data"].array.compactMap { $0["id"].string })
            #expect(!ids.isEmpty, "\(failed.text)")
            try await receiver.configure("broken", secrets: [secret], status: 200, clockOffset: clock.now.timeIntervalSince(Date()))
            #expect(try await api.call(.patch, "/v1/webhook-endpoints/\(endpointID)", json: #"{"enabled":true}"#, token: tenant.token,
                                       headers: ["If-Match": "*"]).status == .ok)
            let support = try await AdminClient.makeStaff(api, db, role: .support).client
            let billingOps = try await AdminClient.makeStaff(api, db, role: .billingOps).client
            let pagePath = "/admin/tenants/\(tenant.id)/webhooks/\(endpointID)"
            #expect(try await support.get(pagePath).text.contains(#"id="webhook-replay-failed""#))
            #expect(!(try await billingOps.get(pagePath)).text.contains(#"id="webhook-replay-failed""#))
            let day = String(ISO8601DateFormatter().string(from: start).prefix(10))
            #expect(try await billingOps.post("\(pagePath)/replay-failed", form: ["since": day, "reason": "Endpoint fixed"]).status == .forbidden)
            let badDay = try await support.post("\(pagePath)/replay-failed", form: ["since": "yesterday", "reason": "Endpoint fixed"])
            #expect(badDay.status == .unprocessableContent && badDay.text.contains("Give the day to start from, like 2026-11-21."))
            #expect(badDay.text.contains(#"value="yesterday""#), "the refused day is kept in the form")
            let noReason = try await support.post("\(pagePath)/replay-failed", form: ["since": day, "reason": ""])
            #expect(noReason.status == .unprocessableContent && noReason.text.contains("Give a reason of 3 to 500 characters."))
            #expect(try await receiver.received("broken").dropFirst(sent.count).allSatisfy { !ids.contains($0.id ?? "") },
                    "a refused replay sends nothing")
            let later = String(ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(2 * 86_400)).prefix(10))
            let none = try await support.post("\(pagePath)/replay-failed", form: ["since": later, "reason": "Checking first"])
            #expect(none.redirects(to: "\(pagePath)?done=webhooks_none_failed"), "nothing failed since then: \(none.status)")
            let replayed = try await support.post("\(pagePath)/replay-failed", form: ["since": day, "reason": "Endpoint fixed"])
            #expect(replayed.redirects(to: "\(pagePath)?done=webhooks_replayed"), "\(replayed.status) \(replayed.text.prefix(300))")
            // (A ping the sender had claimed when the endpoint was disabled went back to waiting, not
            // to failed: it arrives too, once the endpoint is enabled.)
            var answered: [WebhookReceiver.Delivery] = []
            for _ in 0..<150 where !ids.isSubset(of: answered.compactMap(\.id)) {
                try await Task.sleep(for: .milliseconds(100))
                answered = Array(try await receiver.received("broken").dropFirst(sent.count))
            }
            #expect(ids.isSubset(of: answered.compactMap(\.id)) && answered.allSatisfy { $0.status == 200 && $0.verified == [true] },
                    "every failed message again, with its id: \(ids) \(answered.map { "\($0.id ?? "-") \($0.status)" })")
            let audited = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("""
                    select count(*)::int8 as n from platform.audit_log
                     where tenant_id = \(tx.tenantID) and action = 'webhook_message.replayed' and reason = 'Endpoint fixed'
                       and target = \("webhook_endpoint/\(endpointID)") and actor_staff_id is not null
                    """).first?.decode("n", as: Int.self)
            }
            #expect(audited == 1)
        }
    }
}

/// The spec documents every webhook type the catalog declares, and no other.
@Suite("API: the webhook catalog and openapi.yaml agree")
struct WebhookCatalogSpecTests {
    @Test("every declared type is under webhooks: in openapi.yaml, and nothing else is")
    func specListsTheCatalog() throws {
        let text = try String(contentsOf: TestDatabase.packageRoot.appendingPathComponent("Sources/Web/openapi.yaml"), encoding: .utf8)
        var inWebhooks = false
        var documented: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "webhooks:" { inWebhooks = true; continue }
            guard inWebhooks else { continue }
            if !line.isEmpty, !line.hasPrefix(" ") { break }
            if line.hasPrefix("  "), !line.hasPrefix("   "), line.hasSuffix(":") {
                documented.append(String(line.dropFirst(2).dropLast()))
            }
        }
        #expect(Set(documented) == Set(webhookCatalog().types), "openapi.yaml webhooks: \(documented)")
    }

    @Test("an event stored before it carried its resource makes no message (not a dead letter after an upgrade)")
    func eventsWithoutStateMakeNoMessage() throws {
        final class Sink: WebhookEventSink, @unchecked Sendable {
            var made: [String: (any IntegrationEvent) throws -> WebhookData?] = [:]
            func receive<E: IntegrationEvent>(_ event: E.Type, as type: String, _ data: @escaping @Sendable (E) throws -> WebhookData?) {
                made[type] = { event in try data(event as! E) }
            }
        }
        let sink = Sink()
        for entry in webhookCatalog().entries { entry.connect?(sink) }
        let tenant = TenantID.generate()
        let paid = InvoicePaid(tenantID: tenant, invoiceID: .generate(), number: "KEEL-000001",
                               amountPaid: Money(minorUnits: 100, currency: .usd), paidAt: Date())
        #expect(try sink.made["invoice.paid"]?(paid) == nil)
        let changed = SubscriptionChanged(tenantID: tenant, subscriptionID: .generate(), planCode: "starter", planName: "Starter",
                                          previousPlanCode: nil, status: .canceled, previousStatus: .active, occurredAt: Date(),
                                          customerName: "Acme", email: nil, version: 2)
        #expect(try sink.made["subscription.updated"]?(changed) == nil)
        #expect(sink.made.count == webhookCatalog().types.count - 1, "every declared type but the test ping reached the sink")
    }
}
