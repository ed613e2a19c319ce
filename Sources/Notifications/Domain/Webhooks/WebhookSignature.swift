import Crypto
import Foundation

/// Standard Webhooks' secrets and signatures. A secret is `whsec_` + base64 of 32 random
/// bytes; a signature is `v1,` + base64 of HMAC-SHA256, keyed with the secret's bytes, over
/// `<webhook-id>.<webhook-timestamp>.<body>`. While a rotation overlaps, the header carries one
/// signature per secret, separated by a space (the specification allows several).
enum WebhookSignature {
    static func newSecret() -> String {
        "whsec_" + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    /// The secret's key bytes; nil when it is not a `whsec_` secret.
    static func key(_ secret: String) -> SymmetricKey? {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))), !bytes.isEmpty else {
            return nil
        }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` header for one attempt.
    static func header(id: String, timestamp: Int64, body: String, secrets: [String]) -> String {
        let content = Data("\(id).\(timestamp).\(body)".utf8)
        return secrets.compactMap(key).map { key in
            "v1," + Data(HMAC<SHA256>.authenticationCode(for: content, using: key)).base64EncodedString()
        }.joined(separator: " ")
    }
}
