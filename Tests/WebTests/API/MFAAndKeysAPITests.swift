@testable import Accounts
import Foundation
import KeelApp
import HTTPTypes
import KeelTesting
import Kernel
import Storage
import Testing

/// TOTP MFA and API keys over HTTP. Codes are computed from the secret the API showed, the way
/// an authenticator app does (RFC 6238).
@Suite("API: MFA and API keys")
struct MFAAndKeysAPITests {
    /// The code an authenticator shows for `secret`, `offset` steps from now.
    static func code(_ secret: String, offset: Int64 = 0) throws -> String {
        let bytes = try #require(Base32.decode(secret))
        return TOTP(secret: bytes).code(atStep: TOTP.step(at: Date()) + offset)
    }

    @Test("enrol, sign in with a code or a recovery code (each once), five wrong codes end a challenge, disable")
    func totp() async throws {
        // The test waits 31 s for the next TOTP step on one keep-alive connection, which the
        // testing client never reopens: LiveAPI keeps idle connections 120 s.
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let enrolment = try await api.call(.post, "/v1/me/mfa/totp", token: tenant.token)
            #expect(enrolment.status == .created, "\(enrolment.text)")
            let secret = try #require(enrolment.json["secret"].string)
            #expect(enrolment.json["otpauth_uri"].string?.hasPrefix("otpauth://totp/") == true)
            #expect(enrolment.json["otpauth_uri"].string?.contains("secret=\(secret)") == true)

            let wrong = try await api.call(.post, "/v1/me/mfa/totp/confirm", json: #"{"code":"000000"}"#, token: tenant.token)
            let luckyGuess = try Self.code(secret) == "000000"
            #expect(wrong.status == .unprocessableContent || luckyGuess)
            let confirmed = try await api.call(.post, "/v1/me/mfa/totp/confirm", json: #"{"code":"\#(try Self.code(secret))"}"#,
                                               token: tenant.token)
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            let recovery = confirmed.json["recovery_codes"].array.compactMap(\.string)
            #expect(recovery.count == 10 && Set(recovery).count == 10)
            #expect(try await api.call(.get, "/v1/me", token: tenant.token).json["mfa_enabled"].bool == true)
            let stored = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("select code_hash from accounts.recovery_codes where tenant_id = \(tx.tenantID)").count
            }
            #expect(stored == 10)

            // The password alone is not enough now.
            func challenge() async throws -> String {
                let login = try await api.call(.post, "/v1/sessions",
                                               json: #"{"tenant":"\#(tenant.slug)","email":"\#(tenant.ownerEmail)","password":"\#(API.password)"}"#)
                #expect(login.status == .accepted, "\(login.text)")
                #expect(login.json["token"].isNull)
                return try #require(login.json["challenge_token"].string)
            }
            // The current step was used to confirm: the next one (within the drift window) works, once.
            let first = try await challenge()
            let next = try Self.code(secret, offset: 1)
            let signedIn = try await api.call(.post, "/v1/sessions/mfa", json: #"{"challenge_token":"\#(first)","code":"\#(next)"}"#)
            #expect(signedIn.status == .created, "\(signedIn.text)")
            let reusedChallenge = try await api.call(.post, "/v1/sessions/mfa", json: #"{"challenge_token":"\#(first)","code":"\#(next)"}"#)
            #expect(reusedChallenge.status == .unauthorized && reusedChallenge.code == "invalid_mfa_code")
            let second = try await challenge()
            let replayedCode = try await api.call(.post, "/v1/sessions/mfa", json: #"{"challenge_token":"\#(second)","code":"\#(next)"}"#)
            #expect(replayedCode.status == .unauthorized, "a code works once")

            // A recovery code, once; with dashes or without.
            let third = try await challenge()
            let byRecovery = try await api.call(.post, "/v1/sessions/mfa",
                                                json: #"{"challenge_token":"\#(third)","recovery_code":"\#(recovery[0].uppercased())"}"#)
            #expect(byRecovery.status == .created, "\(byRecovery.text)")
            // The person is told, with how many codes are left.
            let notice = try await Mailbox(db: db).waitFor(to: tenant.ownerEmail, subject: "A recovery code was used to sign in")
            #expect(notice.text.contains("you have 9 left") && notice.text.contains("reset your password"), "\(notice.text)")
            let fourth = try await challenge()
            let recoveryAgain = try await api.call(.post, "/v1/sessions/mfa",
                                                   json: #"{"challenge_token":"\#(fourth)","recovery_code":"\#(recovery[0])"}"#)
            #expect(recoveryAgain.status == .unauthorized)

            // Five wrong codes and the challenge is dead, even for the right one.
            let fifth = try await challenge()
            for _ in 0..<5 {
                _ = try await api.call(.post, "/v1/sessions/mfa", json: #"{"challenge_token":"\#(fifth)","recovery_code":"wrong-code"}"#)
            }
            let late = try await api.call(.post, "/v1/sessions/mfa",
                                          json: #"{"challenge_token":"\#(fifth)","recovery_code":"\#(recovery[1])"}"#)
            #expect(late.status == .unauthorized)
            let both = try await api.call(.post, "/v1/sessions/mfa",
                                          json: #"{"challenge_token":"\#(fifth)","code":"123456","recovery_code":"x"}"#)
            #expect(both.status == .unprocessableContent)

            // Disabling needs a fresh code: the step after the one used at sign-in is not fresh
            // yet, so wait for the next window when needed.
            let session = try #require(signedIn.json["token"].string)
            var disabled = try await api.call(.post, "/v1/me/mfa/disable", json: #"{"code":"\#(try Self.code(secret, offset: 1))"}"#,
                                              token: session)
            if disabled.status != .noContent {
                try await Task.sleep(for: .seconds(31))
                disabled = try await api.call(.post, "/v1/me/mfa/disable", json: #"{"code":"\#(try Self.code(secret, offset: 1))"}"#,
                                              token: session)
            }
            #expect(disabled.status == .noContent, "\(disabled.text)")
            _ = try await api.logIn(slug: tenant.slug, email: tenant.ownerEmail)
        }
    }

    @Test("an owner can require MFA once they use it; others must enrol before anything else")
    func requiredByTenant() async throws {
        try await LiveAPI.run { api, db in
            let tenant = try await api.signUp()
            let tooEarly = try await api.call(.patch, "/v1/tenant", json: #"{"require_mfa":true}"#, token: tenant.token,
                                              headers: ["If-Match": "*"])
            #expect(tooEarly.status == .conflict && tooEarly.code == "mfa_not_enabled")
            let secret = try #require(try await api.call(.post, "/v1/me/mfa/totp", token: tenant.token).json["secret"].string)
            #expect(try await api.call(.post, "/v1/me/mfa/totp/confirm", json: #"{"code":"\#(try Self.code(secret))"}"#,
                                       token: tenant.token).status == .ok)
            let current = try await api.call(.get, "/v1/tenant", token: tenant.token)
            let stale = try await api.call(.patch, "/v1/tenant", json: #"{"require_mfa":true}"#, token: tenant.token,
                                           headers: ["If-Match": "\"\((current.json["version"].int ?? 1) + 5)\""])
            #expect(stale.status == .preconditionFailed)
            let required = try await api.call(.patch, "/v1/tenant", json: #"{"require_mfa":true}"#, token: tenant.token,
                                              headers: ["If-Match": current["ETag"] ?? "*"])
            #expect(required.status == .ok && required.json["require_mfa"].bool == true, "\(required.text)")

            let member = try await LiveAPI.addUser(api, db, to: tenant, role: .member)
            let blocked = try await api.call(.get, "/v1/users", token: member.token)
            #expect(blocked.status == .forbidden && blocked.code == "mfa_enrolment_required")
            let me = try await api.call(.get, "/v1/me", token: member.token)
            #expect(me.status == .ok && me.json["mfa_enrolment_required"].bool == true)
            let memberSecret = try #require(try await api.call(.post, "/v1/me/mfa/totp", token: member.token).json["secret"].string)
            #expect(try await api.call(.post, "/v1/me/mfa/totp/confirm", json: #"{"code":"\#(try Self.code(memberSecret))"}"#,
                                       token: member.token).status == .ok)
            #expect(try await api.call(.get, "/v1/users", token: member.token).status == .ok)
            let off = try await api.call(.post, "/v1/me/mfa/disable", json: #"{"code":"\#(try Self.code(memberSecret, offset: 1))"}"#,
                                         token: member.token)
            #expect(off.status == .conflict && off.code == "mfa_required_by_tenant")
        }
    }

    @Test("API keys: shown once, hashed, scoped to a subset of the creator's permissions, revocable, never a session")
    func apiKeys() async throws {
        try await LiveAPI.run { api, db in
            let mailbox = Mailbox(db: db)
            let tenant = try await api.signUp()
            try await AccountFlowsAPITests.verify(tenant, api: api, mailbox: mailbox)
            let created = try await api.call(.post, "/v1/api-keys", json: #"{"name":"reporting","permissions":["users.read"]}"#,
                                             token: tenant.token)
            #expect(created.status == .created, "\(created.text)")
            let key = try #require(created.json["key"].string)
            let prefix = try #require(created.json["prefix"].string)
            #expect(key.hasPrefix("keelk_") && key.hasPrefix(prefix) && prefix.count < key.count)
            let stored = try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.query("select key_hash from accounts.api_keys where tenant_id = \(tx.tenantID)")
                    .map { try $0.bytes("key_hash") ?? [] }
            }
            #expect(stored.count == 1 && stored[0].count == 32 && !String(decoding: stored[0], as: UTF8.self).contains(key))

            // Same endpoints, same RBAC, narrowed to the key's scopes.
            #expect(try await api.call(.get, "/v1/users", token: key).status == .ok)
            let me = try await api.call(.get, "/v1/me", token: key)
            #expect(me.json["credential"].string == "api_key" && me.json["permissions"].array.compactMap(\.string) == ["users.read"])
            let patch = try await api.call(.patch, "/v1/users/\(tenant.ownerID)", json: #"{"role":"viewer"}"#, token: key,
                                           headers: ["If-Match": "*"])
            #expect(patch.status == .forbidden)
            #expect(try await api.call(.get, "/v1/sessions", token: key).status == .forbidden)
            #expect(try await api.call(.delete, "/v1/sessions/current", token: key).status == .forbidden)

            let list = try await api.call(.get, "/v1/api-keys", token: tenant.token)
            #expect(list.json["data"][0]["prefix"].string == prefix && list.json["data"][0]["key"].isNull)
            #expect(list.json["data"][0]["last_used_at"].string != nil)

            // An admin cannot hand out what they lack; a key cannot mint keys.
            let admin = try await LiveAPI.addUser(api, db, to: tenant, role: .admin)
            try await db.database.tenant(TenantID(tenant.id)!) { tx in
                try await tx.execute("update accounts.users set email_verified_at = now() where tenant_id = \(tx.tenantID)")
            }
            let excess = try await api.call(.post, "/v1/api-keys", json: #"{"name":"x","permissions":["owners.manage"]}"#,
                                            token: admin.token)
            #expect(excess.status == .unprocessableContent && excess.json["errors"][0]["code"].string == "not_allowed")
            let adminKey = try #require(try await api.call(.post, "/v1/api-keys",
                                                           json: #"{"name":"ops","permissions":["api_keys.manage","users.read"]}"#,
                                                           token: admin.token).json["key"].string)
            let minted = try await api.call(.post, "/v1/api-keys", json: #"{"name":"y","permissions":["users.read"]}"#, token: adminKey)
            #expect(minted.status == .forbidden && minted.code == "session_required")

            // Revoked, or its creator deactivated: the key stops at once.
            let id = try #require(created.json["id"].string)
            #expect(try await api.call(.delete, "/v1/api-keys/\(id)", token: tenant.token).status == .noContent)
            #expect(try await api.call(.get, "/v1/users", token: key).status == .unauthorized)
            #expect(try await api.call(.delete, "/v1/api-keys/\(id)", token: tenant.token).status == .noContent)
            let adminUser = try await api.call(.get, "/v1/users/\(admin.id)", token: tenant.token)
            #expect(try await api.call(.patch, "/v1/users/\(admin.id)", json: #"{"status":"deactivated"}"#, token: tenant.token,
                                       headers: ["If-Match": adminUser["ETag"] ?? "*"]).status == .ok)
            #expect(try await api.call(.get, "/v1/users", token: adminKey).status == .unauthorized)
        }
    }
}
