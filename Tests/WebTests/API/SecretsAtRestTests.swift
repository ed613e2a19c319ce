@testable import Accounts
import Foundation
import HTTPTypes
import KeelApp
import KeelTesting
import Kernel
import Notifications
import NotificationsAPI
import Storage
import Testing

/// Secrets at rest (docs/security.md): what the database holds after the flows that make
/// secrets is ciphertext bound to its row, and the flows still work.
@Suite("Secrets at rest")
struct SecretsAtRestTests {
    static func text(_ bytes: [UInt8]?) -> String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    @Test("TOTP secrets are sealed; a sealed secret copied to another tenant's user does not let its codes in")
    func totpSealed() async throws {
        try await LiveAPI.run { api, db in
            let a = try await api.signUp()
            let enrolment = try await api.call(.post, "/v1/me/mfa/totp", token: a.token)
            let secret = try #require(enrolment.json["secret"].string)
            let raw = try #require(Base32.decode(secret))
            let pending = try await db.database.tenant(TenantID(a.id)!) { tx in
                try await tx.query("select mfa_pending_secret from accounts.users where user_id = \(UserID(a.ownerID)!)")[0]
                    .bytes("mfa_pending_secret")
            }
            #expect(Self.text(pending).hasPrefix("ks1.test-2.") && pending?.count ?? 0 > 40)
            #expect(!Self.text(pending).contains(secret) && Data(pending ?? []).range(of: Data(raw)) == nil)
            let confirmed = try await api.call(.post, "/v1/me/mfa/totp/confirm",
                                               json: #"{"code":"\#(try MFAAndKeysAPITests.code(secret))"}"#, token: a.token)
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            let sealed = try await db.database.tenant(TenantID(a.id)!) { tx in
                try await tx.query("select mfa_secret from accounts.users where user_id = \(UserID(a.ownerID)!)")[0].bytes("mfa_secret")
            }
            #expect(Self.text(sealed).hasPrefix("ks1.test-2.") && Data(sealed ?? []).range(of: Data(raw)) == nil)

            // Someone with write access to the database copies it to another tenant's owner.
            let b = try await api.signUp()
            try await db.database.tenant(TenantID(b.id)!) { tx in
                try await tx.execute("""
                    update accounts.users set mfa_secret = \(SQLValue.bytes(sealed ?? [])), mfa_enabled_at = \(tx.now)
                     where user_id = \(UserID(b.ownerID)!)
                    """)
            }
            let login = try await api.call(.post, "/v1/sessions",
                                           json: #"{"tenant":"\#(b.slug)","email":"\#(b.ownerEmail)","password":"\#(API.password)"}"#)
            let challenge = try #require(login.json["challenge_token"].string, "\(login.text)")
            let attempt = try await api.call(.post, "/v1/sessions/mfa",
                                             json: #"{"challenge_token":"\#(challenge)","code":"\#(try MFAAndKeysAPITests.code(secret, offset: 1))"}"#)
            #expect(attempt.status != .created && attempt.json["token"].isNull, "\(attempt.status) \(attempt.text)")
        }
    }

    @Test("an emailed token is sealed in the outbox, never in the queued body, and the email carries it")
    func emailedTokens() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let email = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "Confirm your email address")
            let token = try Mailbox.token("keelv_", in: email)
            #expect(email.html.contains(token), "the HTML part has the link too")
            // The dev mailbox has the copy before the sender records the message as sent.
            func read() async throws -> ([String], [(String, Bool, String)]) { try await db.database.tenant(TenantID(tenant.id)!) { tx in
                let payloads = try await tx.query("""
                    select payload::text as p from platform.outbox where event_type = 'accounts.email_verification_requested.v1'
                    """).map { try $0.decode("p", as: String.self) }
                let bodies = try await tx.query("""
                    select text_body || html_body || coalesce(secret, '') as b, secret is null as cleared, status
                      from notifications.messages where kind = 'verify_email'
                    """).map { (try $0.decode("b", as: String.self), try $0.decode("cleared", as: Bool.self), try $0.decode("status", as: String.self)) }
                return (payloads, bodies)
            } }
            var (payloads, bodies) = try await read()
            for _ in 0..<50 where bodies.contains(where: { $0.2 != "sent" }) {
                try await Task.sleep(for: .milliseconds(100))
                (payloads, bodies) = try await read()
            }
            #expect(payloads.count == 1 && payloads.allSatisfy { $0.contains("\"ks1.test-2.") && !$0.contains(token) }, "\(payloads)")
            #expect(bodies.count == 1 && bodies.allSatisfy { !$0.0.contains(token) && $0.0.contains("KEEL-TOKEN-SEALED") && $0.1 && $0.2 == "sent" },
                    "\(bodies)")
            // The token works: the link's purpose is served.
            let verified = try await api.call(.post, "/v1/email-verifications", json: #"{"token":"\#(token)"}"#)
            #expect(verified.status == .ok, "\(verified.text)")
        }
    }

    @Test("webhook secrets and stored idempotent answers are sealed; keel secrets rotate re-seals old values, which still work")
    func webhookSecretsAndRotation() async throws {
        try await LiveAPI.run({ $0.webhooksAllowHTTP = true; $0.webhooksAllowPrivate = true }) { api, db in
            let tenant = try await api.signUp()
            let created = try await api.call(.post, "/v1/webhook-endpoints", json: #"{"url":"http://127.0.0.1:9/hook"}"#,
                                             token: tenant.token)
            let (id, secret) = (try #require(created.json["id"].string, "\(created.text)"), try #require(created.json["secret"].string))
            let tenantID = TenantID(tenant.id)!
            func stored() async throws -> String {
                try await db.database.tenant(tenantID) { tx in
                    try await tx.query("select secret from notifications.webhook_endpoints where endpoint_id = \(WebhookEndpointID(id)!)")[0]
                        .decode("secret")
                }
            }
            let sealed = try await stored()
            #expect(sealed.hasPrefix("ks1.test-2.") && !sealed.contains(secret.dropFirst(6)))

            // An idempotent answer is kept sealed, and replays as it was.
            let key = UUID().uuidString
            let body = #"{"currency":"USD","lines":[{"product":"onboarding","quantity":1}]}"#
            let first = try await api.call(.post, "/v1/orders", json: body, token: tenant.token, headers: ["Idempotency-Key": key])
            let again = try await api.call(.post, "/v1/orders", json: body, token: tenant.token, headers: ["Idempotency-Key": key])
            #expect(first.status == .created && again.text == first.text, "\(again.text)")
            let kept = try await db.database.tenant(tenantID) { tx in
                try await tx.query("select body from platform.idempotency_keys where key = \(key)")[0].bytes("body")
            }
            #expect(Self.text(kept).hasPrefix("ks1.test-2.") && !Self.text(kept).contains(first.json["id"].string ?? "-"))

            // Stored before sealing (plaintext), and sealed under an older key: rotation re-seals
            // both under the current key, and the secrets are what they were.
            let older = try KeyRing(parsing: String(TestDatabase.encryptionKeys.split(separator: ",")[1]))
            let binding = SecretBinding(tenant: tenantID, purpose: "notifications.webhook_endpoint.secret", row: id)
            try await db.database.tenant(tenantID) { tx in
                try await tx.execute("""
                    update notifications.webhook_endpoints set secret = \(secret), previous_secret = \(older.seal(Array("whsec_old".utf8), for: binding)),
                           previous_secret_expires_at = \(tx.now.addingTimeInterval(3600))
                     where endpoint_id = \(WebhookEndpointID(id)!)
                    """)
            }
            let rotation = SecretRotation(pool: db.pool)
            let column = NotificationsModule.sealedColumns.first { $0.column == "secret" }!
            let previous = NotificationsModule.sealedColumns.first { $0.column == "previous_secret" }!
            let (pendingBefore, pendingPreviousBefore) = (try await rotation.pending(column), try await rotation.pending(previous))
            #expect(pendingBefore >= 1 && pendingPreviousBefore >= 1)
            let (resealed, resealedPrevious) = (try await rotation.reseal(column), try await rotation.reseal(previous))
            #expect(resealed.resealed >= 1 && resealedPrevious.resealed >= 1)
            let (pendingAfter, pendingPreviousAfter) = (try await rotation.pending(column), try await rotation.pending(previous))
            #expect(pendingAfter == 0 && pendingPreviousAfter == 0)
            let after = try await stored()
            #expect(after.hasPrefix("ks1.test-2.") && after != sealed)
            #expect(try TestDatabase.keyRing.open(after, for: binding) == secret)
            let previousAfter: String = try await db.database.tenant(tenantID) { tx in
                try await tx.query("select previous_secret from notifications.webhook_endpoints where endpoint_id = \(WebhookEndpointID(id)!)")[0]
                    .decode("previous_secret")
            }
            #expect(try previousAfter.hasPrefix("ks1.test-2.") && TestDatabase.keyRing.open(previousAfter, for: binding) == "whsec_old")
        }
    }
}
