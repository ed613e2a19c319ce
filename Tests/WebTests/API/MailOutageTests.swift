import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Storage
import Testing

/// The welcome email with the mail server down: the signup succeeds and stays whole, the
/// message waits and retries, and when the server comes back it is delivered exactly once.
@Suite("Notifications: a mail outage during signup")
struct MailOutageTests {
    @Test("transport stopped, signup, transport restarted: the tenant is intact and the welcome arrives once",
          .enabled(if: TestDatabase.canMakeScratchDatabases, "needs a database of its own"))
    func outage() async throws {
        // Take a free port by starting and stopping a server on it: nothing listens there now.
        let probe = try await SMTPTestServer.start()
        let port = probe.port
        let outdir = probe.outdir
        probe.stop()

        // A database of its own: every server's sender drains the queue it finds, and another
        // test's server (delivering to the dev mailbox) must not take this test's message.
        let database = try await TestDatabase.shared().scratch("mail_outage")
        try await LiveAPI.run(database: database, { config in
            config.mailTransport = "smtp"
            config.smtpHost = "127.0.0.1"
            config.smtpPort = port
            config.smtpSecurity = "none"
            config.smtpTimeoutSeconds = 2
            config.mailRetrySeconds = 0.2
            config.mailMaxAttempts = 50
        }) { api, db in
            let tenant = try await api.signUp()
            // While the server is down: the account works and the message waits with its error.
            let deadline = ContinuousClock.now + .seconds(20)
            var attempts = 0
            while ContinuousClock.now < deadline {
                attempts = try await Self.welcome(db, tenant: tenant).attempts
                if attempts >= 2 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let waiting = try await Self.welcome(db, tenant: tenant)
            #expect(waiting.status == "queued" && waiting.attempts >= 2, "\(waiting)")
            #expect(waiting.lastError?.contains("connect") == true, "\(waiting)")
            let me = try await api.call(.get, "/v1/me", token: tenant.token)
            #expect(me.status == .ok && me.json["tenant"]["slug"].string == tenant.slug && me.json["user"]["role"].string == "owner")

            // The server comes back on the same port.
            let server = try await SMTPTestServer.start(port: port, outdir: outdir)
            defer { server.stop() }
            let until = ContinuousClock.now + .seconds(30)
            while try await Self.welcome(db, tenant: tenant).status != "sent" && ContinuousClock.now < until {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await Self.welcome(db, tenant: tenant).status == "sent")
            try await Task.sleep(for: .seconds(1))  // time for a duplicate to show up, if there were one
            let welcomes = try server.messages().filter {
                $0.rcptTos == [tenant.ownerEmail] && $0.data.contains("Subject: Welcome to")
            }
            #expect(welcomes.count == 1, "\(welcomes.map(\.rcptTos))")
        }
    }

    struct Delivery: CustomStringConvertible {
        let status: String
        let attempts: Int
        let lastError: String?
        var description: String { "\(status), \(attempts) attempts, last error: \(lastError ?? "none")" }
    }

    static func welcome(_ db: TestDatabase, tenant: API.Tenant) async throws -> Delivery {
        try await db.database.tenant(TenantID(tenant.id)!) { tx in
            guard let row = try await tx.query("""
                select status, attempts, last_error from notifications.messages
                 where tenant_id = \(tx.tenantID) and kind = 'welcome'
                """).first else { return Delivery(status: "absent", attempts: 0, lastError: nil) }
            return Delivery(status: try row.decode("status"), attempts: try row.decode("attempts"),
                            lastError: try row.decode("last_error"))
        }
    }
}
