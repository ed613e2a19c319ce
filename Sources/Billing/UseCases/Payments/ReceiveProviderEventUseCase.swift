import BillingAPI
import Crypto
import Foundation
import Kernel
import Storage

/// A webhook from the provider (`POST /v1/billing/webhooks/stripe`). The signature is the
/// credential: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">` (several
/// `v1` allowed, as during a secret's rotation), checked in constant time against the endpoint
/// secret before anything is parsed, and within five minutes of the injected clock.
///
/// A payment's event is stored once by the provider's event id and published to the outbox in
/// the same transaction (a duplicate delivery is answered 200 and does nothing); Billing's
/// subscriber then asks the collector to look the payment up (`ProviderPaymentSubscriptions`).
/// The event's own claim is never applied as such: the provider's current record is, so
/// events in any order converge. Events about anything else are acknowledged and dropped.
struct ReceiveProviderEventUseCase {
    let db: Database
    let secret: String?
    static let tolerance: TimeInterval = 300

    enum Receipt: Equatable { case stored, duplicate, ignored }

    func callAsFunction(payload: [UInt8], signature: String?) async throws -> Receipt {
        guard let secret else { throw PaymentRefusal.notConfigured }
        try Self.verify(payload: payload, header: signature, secret: secret, now: db.clock.now)
        guard let event = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let id = event["id"] as? String, let type = event["type"] as? String else {
            throw AppError.validation([FieldError(field: "body", code: "invalid_event", message: "The body is not a provider event.")])
        }
        let object = (event["data"] as? [String: Any])?["object"] as? [String: Any] ?? [:]
        let metadata = object["metadata"] as? [String: String] ?? [:]
        guard type.hasPrefix("payment_intent."), let paymentID = object["id"] as? String,
              let tenantID = metadata["keel_tenant_id"].flatMap(TenantID.init) else { return .ignored }
        let reported = ProviderPaymentReported(
            tenantID: tenantID, eventID: id, providerEventType: type, paymentID: paymentID,
            invoiceID: metadata["keel_invoice_id"].flatMap(InvoiceID.init), attemptNumber: metadata["keel_attempt"].flatMap { Int($0) },
            amountMinor: (object["amount"] as? NSNumber)?.int64Value ?? 0)
        return try await db.tenant(tenantID) { tx in
            guard try await ProviderEventRows.insert(id: id, type: type, objectID: paymentID,
                                                     payload: String(decoding: payload, as: UTF8.self), in: tx) else { return .duplicate }
            try await tx.publish(reported)
            return .stored
        }
    }

    /// Throws `.webhookSignatureInvalid` unless one `v1` signature in `header` is the HMAC of
    /// `t.payload` under `secret` and `t` is within the tolerance of `now`.
    static func verify(payload: [UInt8], header: String?, secret: String, now: Date) throws {
        func refuse(_ why: String) -> AppError { AppError(.webhookSignatureInvalid, "The Stripe-Signature header does not verify: \(why).") }
        guard let header, !header.isEmpty else { throw refuse("it is missing") }
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1", let bytes = hexBytes(pair[1]) { signatures.append(bytes) }
        }
        guard let timestamp else { throw refuse("it has no timestamp") }
        guard !signatures.isEmpty else { throw refuse("it has no v1 signature") }
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else {
            throw refuse("its timestamp is more than five minutes from now")
        }
        let key = SymmetricKey(data: Array(secret.utf8))
        let signed = Array("\(timestamp).".utf8) + payload
        guard signatures.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }) else {
            throw refuse("no signature matches")
        }
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < digits.count {
            guard let high = Hex.value(digits[index]), let low = Hex.value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
