@testable import Billing
import BillingAPI
import Crypto
import Foundation
import Kernel
import Testing

/// The pure rules of payments: the dunning schedule, what a provider's payment means, and the
/// webhook signature.
@Suite("Billing payments: dunning, outcomes, webhook signatures")
struct PaymentRulesTests {
    static let first = Date(timeIntervalSince1970: 1_800_000_000)
    static let soft = PaymentFailure(code: "insufficient_funds", message: "Insufficient funds.")
    static let hard = PaymentFailure(code: "card_declined", message: "Your card was declined.")

    @Test("soft failures are retried on days 3, 7 and 14 after the first; the fourth failure ends dunning")
    func softSchedule() {
        let policy = BillingPolicy()
        var seen: [Date?] = []
        for failures in 1...4 {
            let (next, stopped) = policy.dunning(after: Self.soft, failures: failures, first: Self.first, now: Self.first)
            seen.append(next)
            #expect(stopped == (failures == 4 ? "retries_spent" : nil), "after \(failures)")
        }
        #expect(seen == [3, 7, 14].map { Self.first.addingTimeInterval(TimeInterval($0) * 86_400) } + [nil])
    }

    @Test("a hard decline keeps the next date but will not charge it: dunning ends early there")
    func hardDecline() {
        let (next, stopped) = BillingPolicy().dunning(after: Self.hard, failures: 1, first: Self.first, now: Self.first)
        #expect(next == Self.first.addingTimeInterval(3 * 86_400) && stopped == "hard_decline")
        let spent = BillingPolicy().dunning(after: Self.hard, failures: 4, first: Self.first, now: Self.first)
        #expect(spent.next == nil && spent.stopped == "retries_spent")
    }

    @Test("a retry date already past (a late customer try) is now, never the past")
    func neverInThePast() {
        let late = Self.first.addingTimeInterval(10 * 86_400)
        #expect(BillingPolicy().dunning(after: Self.soft, failures: 2, first: Self.first, now: late).next == late)
        #expect(BillingPolicy(retryDays: [1]).dunning(after: Self.soft, failures: 2, first: Self.first, now: late).next == nil)
    }

    @Test("the provider's status decides the outcome; only requires_payment_method carries its failure")
    func outcomes() {
        func payment(_ status: ProviderPayment.Status, failure: PaymentFailure? = nil) -> ProviderPayment {
            ProviderPayment(id: "pi_1", status: status, amountMinor: 100, currency: "USD", metadata: [:], failure: failure)
        }
        #expect(PaymentOutcome(payment(.succeeded)) == .succeeded)
        #expect(PaymentOutcome(payment(.requiresPaymentMethod, failure: Self.hard)) == .failed(Self.hard))
        #expect(PaymentOutcome(payment(.requiresPaymentMethod)) == .failed(PaymentFailure(code: "payment_failed", message: "The payment failed.")))
        #expect(PaymentOutcome(payment(.processing)) == .pending)
        #expect(PaymentOutcome(payment(.requiresCapture)) == .pending)
        #expect(PaymentOutcome(payment(.requiresConfirmation)) == .neverConfirmed)
        if case .failed(let failure) = PaymentOutcome(payment(.requiresAction)) { #expect(failure.isHardDecline) } else { Issue.record("requires_action") }
        if case .failed(let failure) = PaymentOutcome(payment(.canceled)) { #expect(!failure.isHardDecline) } else { Issue.record("canceled") }
        #expect(!Self.soft.isHardDecline && Self.hard.isHardDecline)
    }

    static let secret = "whsec_unit"
    static let body = Array(#"{"id":"evt_1","type":"payment_intent.succeeded"}"#.utf8)

    static func header(_ time: Int, secret: String = secret, body: [UInt8] = body) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(time).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(time),v1=\(mac.map { String(format: "%02x", $0) }.joined())"
    }

    @Test("a webhook signature verifies by the secret, the exact bytes and the clock, with any of several v1")
    func signatures() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let t = 1_800_000_000
        try ReceiveProviderEventUseCase.verify(payload: Self.body, header: Self.header(t), secret: Self.secret, now: now)
        // several signatures (a rotation): one matching is enough
        let rotated = "t=\(t),v1=\(String(repeating: "0", count: 64)),\(Self.header(t).split(separator: ",")[1])"
        try ReceiveProviderEventUseCase.verify(payload: Self.body, header: rotated, secret: Self.secret, now: now)
        // four minutes off either way is within the tolerance
        try ReceiveProviderEventUseCase.verify(payload: Self.body, header: Self.header(t - 240), secret: Self.secret, now: now)
        try ReceiveProviderEventUseCase.verify(payload: Self.body, header: Self.header(t + 240), secret: Self.secret, now: now)
        let refusals: [(String?, [UInt8])] = [
            (nil, Self.body), ("", Self.body), ("v1=abc", Self.body), ("t=\(t)", Self.body),
            (Self.header(t, secret: "whsec_other"), Self.body),
            (Self.header(t), Self.body + [0x20]),                         // one byte more than was signed
            (Self.header(t - 301), Self.body), (Self.header(t + 301), Self.body),
            ("t=\(t),v1=\(String(repeating: "g", count: 64))", Self.body),  // not hex
        ]
        for (header, body) in refusals {
            #expect(throws: AppError.self, "\(header ?? "nil")") {
                try ReceiveProviderEventUseCase.verify(payload: body, header: header, secret: Self.secret, now: now)
            }
        }
    }

    @Test("provider requests are form-encoded the way Stripe reads them; ids cannot leave their path segment")
    func wire() {
        #expect(StripeGateway.formEncoded([("metadata[keel_attempt]", "1"), ("description", "Invoice KEEL-1 é&=")])
                == "metadata%5Bkeel_attempt%5D=1&description=Invoice%20KEEL-1%20%C3%A9%26%3D")
        #expect(StripeGateway.pathSegment("pm_1/../../v1/refunds") == "pm_1%2F%2E%2E%2F%2E%2E%2Fv1%2Frefunds")
    }
}
