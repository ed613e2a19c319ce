import Foundation
import KeelTesting
import Kernel
import Logging
@testable import Notifications
import NotificationsAPI
import Testing

/// The webhook rules without a server: where a webhook may go (registration and connect
/// time), the signature (Standard Webhooks' published example), the retry schedule.
@Suite("Notifications: webhook addresses, signatures, schedule")
struct WebhookRulesTests {
    @Test("loopback, private, link-local, metadata, multicast and reserved addresses are refused; public ones pass")
    func addresses() throws {
        let refused = ["127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                       "0.0.0.0", "100.64.0.1", "224.0.0.1", "239.1.1.1", "240.0.0.1", "255.255.255.255", "198.18.0.1",
                       "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                       "64:ff9b::a9fe:a9fe", "2001:db8::1"]
        for text in refused {
            let address = try #require(IPAddress(text), "\(text) parses")
            #expect(address.isForbidden, "\(text) must be refused")
        }
        for text in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            #expect(try #require(IPAddress(text)).isForbidden == false, "\(text) is public")
        }
        #expect(IPAddress("example.com") == nil && IPAddress("1.2.3") == nil)
    }

    @Test("registration: https and a public host; http only when allowed; no credentials; local names refused")
    func registration() throws {
        var policy = WebhookPolicy()
        #expect(try WebhookAddress.validate("https://example.com/hooks", policy: policy).host == "example.com")
        for url in ["http://example.com/x", "https://127.0.0.1/x", "https://[::1]/x", "https://localhost:8443/x",
                    "https://db.internal/x", "https://a:b@example.com/x", "example.com/x", "https://example.com/#frag"] {
            #expect(throws: AppError.self, "\(url)") { try WebhookAddress.validate(url, policy: policy) }
        }
        policy.allowHTTP = true
        #expect(try WebhookAddress.validate("http://example.com/x", policy: policy).scheme == "http")
        policy.allowPrivateAddresses = true
        #expect(try WebhookAddress.validate("http://127.0.0.1:9/x", policy: policy).host == "127.0.0.1")
    }

    @Test("delivery re-checks the address at connect time: loopback by address or by a name that resolves to it is refused")
    func connectTime() async throws {
        let receiver = try await WebhookReceiver.start()
        var policy = WebhookPolicy()
        policy.allowHTTP = true
        let transport = HTTPWebhookTransport(policy: policy, logger: Logger(label: "test"))
        for url in [receiver.url("ssrf"), "http://localhost:\(receiver.port)/hooks/ssrf"] {
            let response = await transport.post(URL(string: url)!, headers: [], body: "{}")
            #expect(response.status == nil && response.error?.hasPrefix("Refused") == true, "\(url): \(response)")
        }
        #expect(try await receiver.received("ssrf").isEmpty, "nothing reached the receiver")
        policy.allowPrivateAddresses = true
        let allowed = HTTPWebhookTransport(policy: policy, logger: Logger(label: "test"))
        let response = await allowed.post(URL(string: receiver.url("ssrf"))!, headers: [], body: "{}")
        #expect(response.status == 200)
        await transport.shutdown()
        await allowed.shutdown()
    }

    @Test("the signature matches Standard Webhooks' published example; two secrets give two signatures")
    func signature() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let header = WebhookSignature.header(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                                             body: #"{"test": 2432232314}"#, secrets: [secret])
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let fresh = WebhookSignature.newSecret()
        #expect(fresh.hasPrefix("whsec_") && Data(base64Encoded: String(fresh.dropFirst(6)))?.count == 32)
        #expect(WebhookSignature.header(id: "m", timestamp: 1, body: "{}", secrets: [secret, fresh]).split(separator: " ").count == 2)
    }

    @Test("the schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then failed; jitter stretches; Retry-After lengthens")
    func schedule() {
        let policy = WebhookPolicy()
        let now = Date(timeIntervalSince1970: 0)
        let waits = (1...7).map { policy.nextAttempt(after: $0, now: now, retryAfter: nil, random: 0)?.timeIntervalSince1970 }
        #expect(waits == [5, 300, 1800, 7200, 18_000, 36_000, 36_000])
        #expect(policy.nextAttempt(after: 8, now: now, retryAfter: nil, random: 0) == nil)
        #expect(policy.nextAttempt(after: 1, now: now, retryAfter: nil, random: 1)?.timeIntervalSince1970 == 5.5)
        #expect(policy.nextAttempt(after: 1, now: now, retryAfter: .seconds(120), random: 0)?.timeIntervalSince1970 == 120)
        #expect(policy.nextAttempt(after: 1, now: now, retryAfter: .seconds(999_999), random: 0)?.timeIntervalSince1970 == 36_000)
        #expect(HTTPWebhookTransport.retryAfter("30") == .seconds(30) && HTTPWebhookTransport.retryAfter("soon") == nil)
    }
}
