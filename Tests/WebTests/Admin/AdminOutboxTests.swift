import Foundation
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing

/// The outbox's dead letters in the staff console: listed, queued again with a reason, audited.
@Suite("Admin console: the outbox's dead letters", .serialized, .enabled(if: TestDatabase.canMakeScratchDatabases))
struct AdminOutboxTests {
    @Test("dead letters are listed with their last error; support queues one again with a reason (audited), billing-ops cannot")
    func retryDeadLetter() async throws {
        // A database of its own: its dispatcher is the only one that sees the dead letter.
        let db = try await TestDatabase.shared().scratch("outbox_admin")
        try await LiveAPI.run(database: db) { api, db in
            let tenant = try await api.signUp()
            // given an event whose every attempt failed (a type no subscriber handles, so once
            // queued again it is simply delivered)
            let event = EventID.generate()
            try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.execute("""
                    insert into platform.outbox (tenant_id, id, event_type, payload, status, attempts, last_error)
                    values (\(tx.tenantID), \(event), 'test.dead_letter', '{}'::jsonb, 'dead', 8, 'smtp: connection refused')
                    """)
            }
            let support = try await AdminClient.makeStaff(api, db, role: .support).client
            let billingOps = try await AdminClient.makeStaff(api, db, role: .billingOps).client

            let dashboard = try await support.get("/admin")
            #expect(dashboard.text.contains(#"href="/admin/outbox""#))
            let page = try await support.get("/admin/outbox")
            #expect(page.status == .ok)
            for expected in ["test.dead_letter", event.description, "smtp: connection refused", "/admin/outbox/\(event)/retry"] {
                #expect(page.text.contains(expected), "\(expected)")
            }
            // billing-ops sees the page but may not act
            #expect(try await billingOps.get("/admin/outbox").text.contains("test.dead_letter"))
            #expect(!(try await billingOps.get("/admin/outbox").text.contains("/admin/outbox/\(event)/retry")))
            #expect(try await billingOps.post("/admin/outbox/\(event)/retry", form: ["reason": "Mail is back"]).status == .forbidden)

            // a missing reason is refused in words, and nothing moves
            let noReason = try await support.post("/admin/outbox/\(event)/retry", form: ["reason": " "])
            #expect(noReason.status == .unprocessableContent)
            #expect(noReason.text.contains("Give a reason of 3 to 500 characters."))
            // an unknown or malformed event is a 404 page
            #expect(try await support.post("/admin/outbox/\(EventID.generate())/retry", form: ["reason": "Mail is back"]).status == .notFound)
            #expect(try await support.post("/admin/outbox/not-an-id/retry", form: ["reason": "Mail is back"]).status == .notFound)

            // with a reason it is queued again, then delivered by the dispatcher
            let retried = try await support.post("/admin/outbox/\(event)/retry", form: ["reason": "Mail is back"])
            #expect(retried.redirects(to: "/admin/outbox?done=event_retried"), "\(retried.status) \(retried.text.prefix(300))")
            var status = "dead"
            for _ in 0..<100 where status != "delivered" {
                status = try await db.platform.platform("test") { tx in
                    try await tx.query("select status from platform.outbox where id = \(event)")[0].decode("status", as: String.self)
                }
                if status != "delivered" { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status == "delivered")
            // queued again twice is refused: it is no longer dead-lettered
            let again = try await support.post("/admin/outbox/\(event)/retry", form: ["reason": "Mail is back"])
            #expect(again.status == .unprocessableContent)
            #expect(again.text.contains("not dead-lettered"))

            let audit = try await support.get("/admin/audit?tenant=\(tenant.id)").text
            for expected in ["outbox.event_retried", "Dead-lettered event queued again", "Mail is back"] {
                #expect(audit.contains(expected), "\(expected)")
            }
        }
    }
}
